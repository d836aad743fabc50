/**
 * Splitting a dataset of capture files between the tasks of a batch job (a Slurm array, a
 * Kubernetes indexed Job, a loop in a shell script): task k of n runs `--shard k/n` over the
 * same list of captures and gets its own files, every file in exactly one task.
 *
 * A file's shard depends on its base name only, never on its position in the list or on
 * the other files: shard = jump consistent hash (Lamping & Veach 2014) of the 64-bit FNV-1a
 * hash of the base name's UTF-8 bytes, over n buckets. So adding files to a dataset moves
 * no existing file, and going from n to n+1 shards moves only about 1/(n+1) of them (all to
 * the new shard). The function is frozen: changing it would reshuffle every dataset.
 * Shard indices are 0-based, like Kubernetes' JOB_COMPLETION_INDEX.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../cli/args';

export interface ShardSpec {
  /** 0-based index of this shard. */
  index: number;
  /** How many shards the dataset is split into. */
  count: number;
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const JUMP_MUL = 2862933555777941757n;

/** 64-bit FNV-1a of the UTF-8 bytes of `text`. */
export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of Buffer.from(text, 'utf8')) h = ((h ^ BigInt(byte)) * FNV_PRIME) & MASK64;
  return h;
}

/** Jump consistent hash: a bucket in [0, buckets) for a 64-bit key. */
export function jumpHash(key: bigint, buckets: number): number {
  if (!(Number.isInteger(buckets) && buckets >= 1)) throw new RangeError(`buckets must be a whole number >= 1 (got ${buckets})`);
  let b = -1, j = 0;
  let k = key & MASK64;
  while (j < buckets) {
    b = j;
    k = (k * JUMP_MUL + 1n) & MASK64;
    j = Math.floor((b + 1) * (2 ** 31 / (Number(k >> 33n) + 1)));
  }
  return b;
}

/** The shard (0..n-1) of a capture file: a function of its base name and n only. */
export function shardOf(path: string, n: number): number {
  return jumpHash(fnv1a64(basename(path)), n);
}

/** The files of shard `k` of `n` (0-based), in the order given. */
export function selectShard(paths: readonly string[], k: number, n: number): string[] {
  checkShard(k, n, `${k}/${n}`);
  return paths.filter((p) => shardOf(p, n) === k);
}

/**
 * Parses `k/n` (0 <= k < n), e.g. `--shard $JOB_COMPLETION_INDEX/8` or
 * `--shard $SLURM_ARRAY_TASK_ID/$N` with `--array=0-$((N-1))`. `auto` reads the batch
 * scheduler's variables from `env`: Kubernetes' JOB_COMPLETION_INDEX with
 * REFINERY_SHARDS (the Job's completions), or Slurm's SLURM_ARRAY_TASK_ID,
 * SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (any contiguous array, 0- or 1-based).
 */
export function parseShard(text: string, env: NodeJS.ProcessEnv = process.env): ShardSpec {
  const t = text.trim();
  if (t === 'auto') return shardFromEnv(env);
  const m = /^(\d+)\s*\/\s*(\d+)$/.exec(t);
  if (!m) throw new Error(`--shard: expected k/n with 0 <= k < n, e.g. 0/4, or auto (got "${text}")`);
  const k = Number(m[1]), n = Number(m[2]);
  checkShard(k, n, t);
  return { index: k, count: n };
}

function checkShard(k: number, n: number, text: string): void {
  if (!(Number.isSafeInteger(n) && n >= 1)) throw new Error(`--shard ${text}: the number of shards must be a whole number >= 1`);
  if (!(Number.isSafeInteger(k) && k >= 0)) throw new Error(`--shard ${text}: the shard index must be a whole number >= 0`);
  if (k >= n) {
    throw new Error(`--shard ${text}: shard indices are 0-based, so k must be 0..${n - 1}` +
      (k === n ? ' (a 1-based Slurm array? use --array=0-' + (n - 1) + ', or --shard auto)' : ''));
  }
}

function shardFromEnv(env: NodeJS.ProcessEnv): ShardSpec {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    if (!/^\d+$/.test(v.trim())) throw new Error(`--shard auto: ${name}="${v}" is not a whole number`);
    return Number(v);
  };
  const slurmId = int('SLURM_ARRAY_TASK_ID');
  if (slurmId !== undefined) {
    const count = int('SLURM_ARRAY_TASK_COUNT');
    const min = int('SLURM_ARRAY_TASK_MIN') ?? 0;
    if (count === undefined) throw new Error('--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not');
    const k = slurmId - min;
    checkShard(k, count, `auto (SLURM_ARRAY_TASK_ID=${slurmId}, MIN=${min}, COUNT=${count}; arrays with a step are not supported)`);
    return { index: k, count };
  }
  const k8s = int('JOB_COMPLETION_INDEX');
  if (k8s !== undefined) {
    const count = int('REFINERY_SHARDS');
    if (count === undefined) throw new Error('--shard auto: JOB_COMPLETION_INDEX is set; set REFINERY_SHARDS to the Job\'s completions too');
    checkShard(k8s, count, `auto (JOB_COMPLETION_INDEX=${k8s}, REFINERY_SHARDS=${count})`);
    return { index: k8s, count };
  }
  throw new Error('--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; give --shard k/n');
}

/** Capture files a directory holds: *.pcap, *.pcapng, *.pcap.gz, *.pcapng.gz (any case). */
export const CAPTURE_FILE = /\.(pcap|pcapng)(\.gz)?$/i;

/** Byte order of UTF-16 code units: the same on every machine and locale. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function globRegex(pattern: string): RegExp {
  let re = '^';
  for (const ch of pattern) {
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(re + '$');
}

/**
 * Expands capture arguments: a directory becomes its capture files (see CAPTURE_FILE; not
 * recursive, dot files skipped), a pattern with `*` or `?` in its last path component the
 * files it matches (dot files only if the pattern starts with a dot); each expansion is
 * sorted by name. Anything else (a file, `-`, a path that does not exist) is kept as given.
 * Order of the arguments is kept and a file named twice is kept once. Throws when a
 * directory holds no capture or a pattern matches nothing.
 */
export function expandCaptures(args: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (p: string) => { if (!seen.has(p)) { seen.add(p); out.push(p); } };
  for (const arg of args) {
    if (arg === '-') { add(arg); continue; }
    let st: ReturnType<typeof statSync> | undefined;
    try { st = statSync(arg); } catch { st = undefined; }
    if (st?.isDirectory()) {
      const files = readdirSync(arg, { withFileTypes: true })
        .filter((d) => !d.name.startsWith('.') && CAPTURE_FILE.test(d.name) && (d.isFile() || (d.isSymbolicLink() && isFile(join(arg, d.name)))))
        .map((d) => d.name).sort(byName);
      if (!files.length) throw new Error(`${arg}: no capture files in this directory (looked for *.pcap, *.pcapng, *.pcap.gz, *.pcapng.gz)`);
      for (const f of files) add(join(arg, f));
      continue;
    }
    const last = basename(arg);
    const dir = dirname(arg);
    if (!st && /[*?]/.test(dir)) throw new Error(`${arg}: wildcards are supported in the last path component only`);
    if (st || !/[*?]/.test(last)) { add(arg); continue; }
    const re = globRegex(last);
    let names: string[];
    try { names = readdirSync(dir); } catch (e) { throw new Error(`${arg}: cannot list ${dir}: ${(e as Error).message}`); }
    const files = names.filter((n) => re.test(n) && (last.startsWith('.') || !n.startsWith('.')) && isFile(join(dir, n))).sort(byName);
    if (!files.length) throw new Error(`${arg}: no file matches`);
    // Keep the argument's own spelling of the folder ("./x/*.pcap" gives "./x/a.pcap" as given).
    const prefix = arg.slice(0, arg.length - last.length);
    for (const f of files) add(prefix + f);
  }
  return out;
}

function isFile(p: string): boolean {
  try { return statSync(p).isFile(); } catch { return false; }
}

export interface ShardedCaptures {
  /** The captures this task runs (all of them without a shard). */
  captures: string[];
  /** The shard, or null when none was asked for. */
  shard: ShardSpec | null;
  /** How many captures the whole dataset has (before sharding). */
  total: number;
  /** Part name for partitioned output: the shard index, or "0" without a shard. */
  part: string;
}

/**
 * What `refinery extract` does with its capture arguments and `--shard`: expands
 * directories and patterns, then keeps this shard's files. Errors are UsageErrors.
 * An empty `captures` is valid with a shard (more shards than files): run nothing.
 */
export function applyShardOptions(positionals: readonly string[], shardText: string | undefined, env: NodeJS.ProcessEnv = process.env): ShardedCaptures {
  let all: string[];
  let shard: ShardSpec | null = null;
  try {
    all = expandCaptures(positionals);
    if (shardText !== undefined) shard = parseShard(shardText, env);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (!shard) return { captures: all, shard: null, total: all.length, part: '0' };
  if (all.includes('-')) throw new UsageError('--shard: standard input (-) cannot be sharded; give files or directories');
  return { captures: selectShard(all, shard.index, shard.count), shard, total: all.length, part: String(shard.index) };
}
