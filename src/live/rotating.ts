import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { FileSink, OutputFormat } from '../output/formats';
import type { BinRow, RowSink } from '../pipeline/rows';

export interface RotatingSinkOptions {
  /** Folder of the files (created if missing). */
  dir: string;
  level: 'flow' | 'session';
  /** `jsonl` (default), `parquet` or `csv`. */
  format?: OutputFormat;
  /** Start a new file every this many seconds of capture time (windows aligned to multiples); 0 = one file. Default 60. */
  rotateSeconds?: number;
  /** File name prefix (default `bins`): files are `<prefix>-<UTC start>.<ext>`. */
  prefix?: string;
  /** JSON lines: add raw per-bin class data. */
  raw?: boolean;
}

/** A finished file. */
export interface RotatedFile {
  path: string;
  rows: number;
  /** Capture-time window the file covers (epoch seconds). */
  start: number;
  end: number;
  bytes: number;
}

const EXT: Record<OutputFormat, string> = { jsonl: 'jsonl', parquet: 'parquet', csv: 'csv' };

/**
 * A RowSink that appends closed bins to a sequence of files, one per capture-time window. A file
 * is written as `<name>.part` and renamed to `<name>` once complete, so every file under its final
 * name is whole and parseable; `end()` completes the last one. Windows without rows make no file.
 * Time comes from `tick(now)` (the live loop's capture-time estimate); before the first tick the
 * end of the row's bin is used.
 */
export class RotatingSink implements RowSink {
  readonly dir: string;
  readonly format: OutputFormat;
  readonly rotateSeconds: number;
  readonly files: RotatedFile[] = [];
  rows = 0;
  private readonly prefix: string;
  private columns: readonly string[] = [];
  private current: { sink: FileSink; path: string; start: number; end: number; rows: number } | null = null;
  private readonly closing: Promise<void>[] = [];
  private now = -Infinity;
  private ended = false;
  private failure: Error | null = null;

  constructor(private readonly opts: RotatingSinkOptions) {
    this.dir = opts.dir;
    this.format = opts.format ?? 'jsonl';
    if (!(this.format in EXT)) throw new Error(`unknown output format "${this.format}" (jsonl, parquet or csv)`);
    const r = opts.rotateSeconds ?? 60;
    if (!(r >= 0) || !Number.isFinite(r)) throw new RangeError(`rotateSeconds must be >= 0 (got ${r})`);
    this.rotateSeconds = r;
    this.prefix = opts.prefix ?? 'bins';
    mkdirSync(this.dir, { recursive: true });
  }

  begin(featureColumns: readonly string[]): void {
    this.columns = featureColumns;
  }

  /** Advances the sink's clock (capture time); closes the current file when its window is over. */
  tick(now: number): void {
    if (now > this.now) this.now = now;
    if (this.current && this.rotateSeconds > 0 && this.now >= this.current.end) this.closeCurrent();
  }

  row(r: BinRow): void {
    if (this.ended) throw new Error('RotatingSink: row() after end()');
    if (this.failure) throw this.failure;
    const now = this.now > -Infinity ? this.now : r.binStart + r.binSize;
    if (this.current && this.rotateSeconds > 0 && now >= this.current.end) this.closeCurrent();
    if (!this.current) this.open(now);
    this.current!.sink.row(r);
    this.current!.rows++;
    this.rows++;
  }

  /** Completes the open file and waits for every file to be on disk. */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.closeCurrent();
    await Promise.all(this.closing);
    if (this.failure) throw this.failure;
  }

  /** Path of the file being written (with its `.part` suffix), if any. */
  get openPath(): string | null {
    return this.current ? `${this.current.path}.part` : null;
  }

  private open(now: number): void {
    const r = this.rotateSeconds;
    const start = r > 0 ? Math.floor(now / r) * r : now;
    const end = r > 0 ? start + r : Infinity;
    const ext = EXT[this.format];
    const base = `${this.prefix}-${stamp(start)}`;
    let path = join(this.dir, `${base}.${ext}`);
    for (let n = 1; existsSync(path) || existsSync(`${path}.part`) || this.files.some((f) => f.path === path); n++) {
      path = join(this.dir, `${base}-${n}.${ext}`);
    }
    const sink = new FileSink(`${path}.part`, this.opts.level, { format: this.format, raw: this.opts.raw });
    sink.begin(this.columns);
    this.current = { sink, path, start, end, rows: 0 };
  }

  private closeCurrent(): void {
    const c = this.current;
    if (!c) return;
    this.current = null;
    const done = (async () => {
      await c.sink.end();
      renameSync(`${c.path}.part`, c.path);
      this.files.push({ path: c.path, rows: c.rows, start: c.start, end: c.end, bytes: c.sink.bytesWritten });
    })().catch((e: Error) => { this.failure ??= e; });
    this.closing.push(done);
  }
}

/** Epoch seconds -> `20240131T235959Z` (milliseconds appended when not whole). */
export function stamp(sec: number): string {
  if (!Number.isFinite(sec)) return 'unknown';
  const iso = new Date(Math.floor(sec * 1000)).toISOString(); // 2024-01-31T23:59:59.123Z
  const whole = iso.slice(0, 19).replace(/[-:]/g, '');
  const ms = iso.slice(20, 23);
  return ms === '000' ? `${whole}Z` : `${whole}.${ms}Z`;
}
