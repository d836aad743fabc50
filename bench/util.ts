/** A benchmark cannot run here (its data or a tool is missing): said in one line, without a stack trace. */
export class BenchSetupError extends Error {
  override name = 'BenchSetupError';
}

/** Runs a benchmark's main; a setup problem is one line, anything else its stack; either way exit code 1. */
export function runBench(main: () => Promise<void>): void {
  Promise.resolve().then(main).catch((e) => {
    console.error(e instanceof BenchSetupError ? `bench: ${e.message}` : e);
    process.exitCode = 1;
  });
}

/** Best (smallest) time in ms of `runs` calls, after one warm-up call. */
export async function bestOf(runs: number, f: () => unknown | Promise<unknown>): Promise<number> {
  await f();
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n## ${title}`);
  if (!rows.length) return;
  const cols = Object.keys(rows[0]);
  // A row without some column leaves its cell blank.
  const cell = (r: Record<string, string | number>, c: string) => String(r[c] ?? '');
  const w = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  console.log(cols.map((c, i) => c.padEnd(w[i])).join('  '));
  console.log(w.map((x) => '-'.repeat(x)).join('  '));
  for (const r of rows) console.log(cols.map((c, i) => cell(r, c).padEnd(w[i])).join('  '));
}
