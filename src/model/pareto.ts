import { lowerIsBetter } from './metrics';

export { lowerIsBetter };

/**
 * Indices of the points on the Pareto front of (cost: lower is better, score: higher is
 * better unless `lower`): a point is on the front when no other point is at least as good
 * on both and strictly better on one.
 */
export function paretoIndices(cost: readonly number[], score: readonly number[], lower = false): number[] {
  const s = lower ? score.map((v) => -v) : score;
  const out: number[] = [];
  for (let i = 0; i < cost.length; i++) {
    if (!Number.isFinite(cost[i]) || !Number.isFinite(s[i])) continue;
    let dominated = false;
    for (let j = 0; j < cost.length && !dominated; j++) {
      if (j === i || !Number.isFinite(cost[j]) || !Number.isFinite(s[j])) continue;
      dominated = cost[j] <= cost[i] && s[j] >= s[i] && (cost[j] < cost[i] || s[j] > s[i]);
    }
    if (!dominated) out.push(i);
  }
  return out;
}

/**
 * "The cheapest representation within X% of the best": among rows whose metric is within
 * `tolerance` (a fraction: 0.02 = 2%) of the best row's, the one with the lowest cost; of
 * equally cheap ones (costs given per representation only: one figure for every bin), the best.
 */
export function cheapestWithin<R extends Record<string, unknown>>(rows: readonly R[], o: { metric: string; cost: string; tolerance?: number; metricColumn?: string }): { best: R; choice: R; threshold: number } | null {
  const key = o.metricColumn ?? o.metric;
  const lower = lowerIsBetter(o.metric);
  const ok = rows.filter((r) => Number.isFinite(Number(r[key])) && Number.isFinite(Number(r[o.cost])));
  if (!ok.length) return null;
  const best = ok.reduce((a, b) => ((lower ? Number(b[key]) < Number(a[key]) : Number(b[key]) > Number(a[key])) ? b : a));
  const tol = o.tolerance ?? 0.02;
  const bv = Number(best[key]);
  const threshold = lower ? bv * (1 + tol) : bv * (1 - tol);
  const within = ok.filter((r) => (lower ? Number(r[key]) <= threshold : Number(r[key]) >= threshold));
  const better = (a: R, b: R) => (lower ? Number(b[key]) < Number(a[key]) : Number(b[key]) > Number(a[key]));
  const choice = within.reduce((a, b) => {
    const ca = Number(a[o.cost]), cb = Number(b[o.cost]);
    return cb < ca || (cb === ca && better(a, b)) ? b : a;
  });
  return { best, choice, threshold };
}
