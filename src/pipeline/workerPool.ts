import { Worker } from 'node:worker_threads';
import { join } from 'node:path';

/**
 * Worker threads kept between runs: starting one costs ~100 ms of module loading, as much
 * as a small capture takes to process. Idle workers are unref'd, so they never keep the
 * process alive; a worker that failed is terminated instead of coming back.
 */
const idle = new Map<string, Worker[]>();

const EXTRACT_WORKER = join(__dirname, 'worker.js');

/**
 * The idle list a worker belongs to: its script, the modules it required, and its role. Split
 * followers (role 'follow') keep a list of their own: a worker that ran whole files before
 * followed ~6 % slower for the rest of the process (bench/parallel, 182 MB split: median
 * 1.51-1.54x against 1.62-1.68x with a worker that only ever followed).
 */
function poolKey(script: string, modules: string[], role: string): string {
  return [role, script, ...modules].join('\n');
}

/**
 * `n` workers running `script` (default: the extraction worker) that have required `modules`
 * (users' feature classes), reused when idle from earlier runs of the same role.
 */
export function takeWorkers(n: number, modules: string[], script = EXTRACT_WORKER, role = 'any'): Worker[] {
  const key = poolKey(script, modules, role);
  const free = idle.get(key) ?? [];
  const out: Worker[] = [];
  while (out.length < n && free.length) out.push(free.pop()!);
  while (out.length < n) {
    const w = new Worker(script, { workerData: { modules } });
    w.once('exit', () => forget(w));
    out.push(w);
  }
  for (const w of out) w.ref();
  return out;
}

/** Gives workers back after a run; `healthy: false` ends them (an error may have left state behind). */
export async function returnWorkers(workers: Worker[], modules: string[], healthy: boolean, script = EXTRACT_WORKER, role = 'any'): Promise<void> {
  for (const w of workers) { w.removeAllListeners('message'); w.removeAllListeners('error'); w.removeAllListeners('exit'); w.once('exit', () => forget(w)); }
  if (!healthy) { await Promise.all(workers.map((w) => w.terminate())); return; }
  const key = poolKey(script, modules, role);
  const free = idle.get(key) ?? [];
  for (const w of workers) { w.unref(); free.push(w); }
  idle.set(key, free);
}

/** Drops a worker that ended from the idle lists. */
function forget(w: Worker): void {
  for (const list of idle.values()) { const at = list.indexOf(w); if (at >= 0) list.splice(at, 1); }
}

/** Ends every idle worker (tests and embedding applications that want a clean exit now). */
export async function closeWorkers(): Promise<void> {
  const all = [...idle.values()].flat();
  idle.clear();
  await Promise.all(all.map((w) => w.terminate()));
}

/** An error as a worker thread posts it: plain data, its name kept (user errors stay short in the CLI). */
export interface WorkerErrorMessage { type: 'error'; id?: number; name?: string; message: string; stack?: string }

export function workerErrorMessage(e: unknown, id?: number): WorkerErrorMessage {
  const err = e as Error;
  return { type: 'error', id, name: err?.name, message: err?.message ?? String(e), stack: err?.stack };
}

/** The error a worker thread posted, rebuilt on this side (same name and message). */
export function errorFromWorker(m: { name?: string; message?: string; stack?: string }, k: number): Error {
  const err = new Error(m.message);
  err.name = m.name ?? 'Error';
  err.stack = `${m.stack ?? m.message}\n    (in worker thread ${k})`;
  return err;
}
