/** Objectives of a Pareto front: keys (or accessors) to minimize and to maximize. */
export interface ParetoOptions<T> {
  minimize?: readonly (string | ((p: T) => number))[];
  maximize?: readonly (string | ((p: T) => number))[];
}

type Objective<T> = (p: T) => number;

function accessor<T>(o: string | ((p: T) => number)): Objective<T> {
  if (typeof o === 'function') return o;
  return (p: T) => {
    const v = (p as Record<string, unknown>)[o];
    return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  };
}

/**
 * True when `a` dominates `b`: no worse on every objective and strictly better on one.
 * Objectives are given as "larger is better" values (minimized ones negated).
 */
function dominates(a: number[], b: number[]): boolean {
  let strictly = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] < b[i]) return false;
    if (a[i] > b[i]) strictly = true;
  }
  return strictly;
}

/**
 * Which points are on the Pareto front (not dominated by any other point). Points with a
 * non-finite objective are never on it. Equal points do not dominate each other, so ties
 * are all kept.
 */
export function paretoMask<T>(points: readonly T[], opts: ParetoOptions<T>): boolean[] {
  const objs: Objective<T>[] = [];
  const sign: number[] = [];
  for (const o of opts.minimize ?? []) { objs.push(accessor(o)); sign.push(-1); }
  for (const o of opts.maximize ?? []) { objs.push(accessor(o)); sign.push(1); }
  if (objs.length === 0) throw new Error('paretoFront: give at least one objective to minimize or maximize');
  const vecs = points.map((p) => objs.map((f, i) => sign[i] * f(p)));
  const ok = vecs.map((v) => v.every(Number.isFinite));
  return vecs.map((v, i) => ok[i] && !vecs.some((w, j) => j !== i && ok[j] && dominates(w, v)));
}

/**
 * The non-dominated points, sorted by the objectives in the order given (minimized ones
 * ascending, maximized ones descending), so that with one cost and one score the result
 * walks the front from cheapest to most expensive.
 */
export function paretoFront<T>(points: readonly T[], opts: ParetoOptions<T>): T[] {
  const mask = paretoMask(points, opts);
  const keys: [Objective<T>, number][] = [
    ...(opts.minimize ?? []).map((o) => [accessor(o), 1] as [Objective<T>, number]),
    ...(opts.maximize ?? []).map((o) => [accessor(o), -1] as [Objective<T>, number]),
  ];
  return points
    .map((p, i) => ({ p, i }))
    .filter(({ i }) => mask[i])
    .sort((a, b) => {
      for (const [f, s] of keys) {
        const d = s * (f(a.p) - f(b.p));
        if (d !== 0) return d;
      }
      return a.i - b.i;
    })
    .map(({ p }) => p);
}
