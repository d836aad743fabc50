import { Rng } from './forest/rng';

/**
 * Session-grouped k-fold cross-validation: every row of a session falls in the same fold,
 * so no bin of a test session is ever in training. Sessions are shuffled with `seed` and
 * dealt round-robin, which balances fold sizes in sessions.
 */
export function groupKFold(groups: readonly string[], k: number, seed = 1): { train: number[]; test: number[] }[] {
  const unique = [...new Set(groups)].sort();
  if (unique.length < 2) throw new Error(`cross-validation needs at least 2 sessions (got ${unique.length})`);
  const folds = Math.max(2, Math.min(k, unique.length));
  const rng = new Rng(seed);
  const rnd = () => rng.nextFloat();
  for (let i = unique.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [unique[i], unique[j]] = [unique[j], unique[i]];
  }
  const foldOf = new Map<string, number>();
  unique.forEach((g, i) => foldOf.set(g, i % folds));
  const out = Array.from({ length: folds }, () => ({ train: [] as number[], test: [] as number[] }));
  groups.forEach((g, i) => {
    const f = foldOf.get(g)!;
    for (let j = 0; j < folds; j++) (j === f ? out[j].test : out[j].train).push(i);
  });
  return out;
}
