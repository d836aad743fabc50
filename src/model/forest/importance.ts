/**
 * Mean decrease in impurity (MDI), aggregated as scikit-learn does: each tree's raw importances
 * (sum over its splits of w_node * impurity_node - w_left * impurity_left - w_right * impurity_right)
 * are normalised to sum 1, trees that never split are left out, the rest are averaged, and the
 * average is normalised to sum 1 (all zeros when no tree split at all).
 */
export function aggregateImportances(perTree: Float64Array[], nFeatures: number): number[] {
  const acc = new Float64Array(nFeatures);
  let used = 0;
  for (const imp of perTree) {
    let s = 0;
    for (let f = 0; f < nFeatures; f++) s += imp[f];
    if (!(s > 0)) continue;
    used++;
    for (let f = 0; f < nFeatures; f++) acc[f] += imp[f] / s;
  }
  const out = new Array<number>(nFeatures).fill(0);
  if (used === 0) return out;
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total += acc[f];
  for (let f = 0; f < nFeatures; f++) out[f] = acc[f] / total;
  return out;
}
