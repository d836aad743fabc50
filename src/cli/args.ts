import { parseArgs, ParseArgsConfig } from 'node:util';

/** A usage error: the CLI prints it with the command's help, without a stack trace. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function parse(args: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** "2,10,60" -> [2, 10, 60], with a clear error for anything else. */
export function parseBins(text: string | undefined): number[] | undefined {
  if (text === undefined) return undefined;
  const bins = text.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!bins.length || bins.some((b) => !(b > 0) || !Number.isFinite(b))) throw new UsageError(`--bins: expected positive seconds like 2,10,60 (got "${text}")`);
  return bins;
}

export function parseLevel(text: string | undefined): 'flow' | 'session' | undefined {
  if (text === undefined) return undefined;
  if (text !== 'flow' && text !== 'session') throw new UsageError(`--level: expected flow or session (got "${text}")`);
  return text;
}

/** "auto" or a positive whole number of worker threads. */
export function parseWorkers(text: string | undefined): number | 'auto' | undefined {
  if (text === undefined || text === 'auto') return text;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--workers: expected a whole number >= 1 or auto (got "${text}")`);
  return n;
}
