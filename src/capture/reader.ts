import { closeSync, openSync, readSync } from 'node:fs';
import { open as openFile, FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createBatch, PacketBatch, CaptureIssue } from './batch';
import { ChunkDriver } from './chunker';
import { CaptureError, IssueLog } from './errors';
import { CaptureFormat, DEFAULT_MAX_RECORD_BYTES } from './parser';

/** Where a capture comes from: a path (`'-'` = standard input), a Node stream, or any async byte source. */
export type CaptureSource = string | NodeJS.ReadableStream | AsyncIterable<Uint8Array>;

export interface CaptureOptions {
  /** Name used in errors and issues (default: the path, `stdin`, or `stream`). */
  name?: string;
  /** Records per batch (default 4096). */
  batchSize?: number;
  /** Bytes per read (default 1 MiB). Small chunks from streams are gathered up to this size. */
  chunkSize?: number;
  /**
   * Largest captured length of one record (default 256 KiB, the largest snaplen libpcap and
   * Wireshark use). A record beyond it is a fatal CaptureError, whatever the file's snaplen says, so
   * a corrupt length never causes a large allocation. Raise it for captures with larger records.
   */
  maxRecordBytes?: number;
}

export interface CaptureStats {
  /** 'pcap' or 'pcapng', once the first bytes were read. */
  format: CaptureFormat | undefined;
  /** The input was gzip-compressed. */
  compressed: boolean;
  /** Packet records delivered. */
  records: number;
  /** Capture bytes read (after decompression). */
  bytesRead: number;
  /** Records per link type (LINKTYPE_* number). */
  linkTypes: Record<number, number>;
  /** Records whose captured length is below the wire length (snaplen). */
  truncated: number;
  /** Records lost: the last record cut by the end of input, packets of unknown interfaces. */
  cut: number;
  /** pcapng blocks skipped (statistics, name resolution, unknown types, ...). */
  skippedBlocks: number;
  /** pcapng Simple Packet Blocks, which carry no timestamp (given the previous record's). */
  noTimestamp: number;
  /** Occurrences of each issue reason (fatal included). */
  issues: Record<string, number>;
}

/** What a finished synchronous read returns. */
export interface CaptureSummary {
  format: CaptureFormat | undefined;
  stats: CaptureStats;
  issues: CaptureIssue[];
}

/** Records per batch unless `batchSize` says otherwise. */
export const DEFAULT_BATCH_SIZE = 4096;
const DEFAULTS = { batchSize: DEFAULT_BATCH_SIZE, chunkSize: 1 << 20, maxRecordBytes: DEFAULT_MAX_RECORD_BYTES };

/**
 * Memory a synchronous read goes into when its batches must outlive the next read (parallel
 * flows share them with other threads): reads append to a buffer until it is full, then the
 * unparsed tail moves to the next buffer; each batch is a fresh one.
 */
export interface BatchStore {
  /**
   * A buffer of at least `min` bytes for the next reads. It may be the current one when no
   * batch of it is in use (the reader then moves the tail to its front).
   */
  buffer(min: number): Uint8Array;
  /** The batch to fill next (its arrays' length is its capacity). */
  batch(): PacketBatch;
}

/**
 * A capture being read as a sequence of {@link PacketBatch}es, with constant memory:
 *
 * ```ts
 * const reader = openCapture('trace.pcap.gz');
 * for await (const batch of reader) {
 *   for (let i = 0; i < batch.count; i++) decode(batch.buf, batch.offset[i], batch.caplen[i], batch.linkType[i]);
 * }
 * console.log(reader.format, reader.stats, reader.issues);
 * ```
 *
 * The batch object, its arrays and the bytes behind `batch.buf` are reused: finish with a batch
 * before asking for the next. A reader can be iterated once. Non-fatal problems (a last record cut
 * short, SPB without timestamps, ...) are collected in `issues` (once per reason, counted in
 * `stats.issues`); fatal ones end the iteration with a {@link CaptureError}, after every batch
 * before the fault was delivered. Breaking out of the loop, or `close()`, releases the source.
 */
export class CaptureReader implements AsyncIterable<PacketBatch> {
  /** Name of the capture, as used in errors. */
  readonly name: string;
  private readonly log: IssueLog;
  private readonly driver: ChunkDriver;
  private readonly batch: PacketBatch;
  private readonly opts: Required<Omit<CaptureOptions, 'name'>>;
  private started = false;
  private closed = false;
  private compressed = false;
  private readonly cleanups: (() => void | Promise<void>)[] = [];

  /** Use {@link openCapture}. */
  constructor(private readonly source: CaptureSource, options: CaptureOptions = {}) {
    this.opts = resolveOptions(options);
    this.name = options.name ?? (source === '-' ? 'stdin' : typeof source === 'string' ? source : 'stream');
    this.log = new IssueLog(this.name);
    this.driver = new ChunkDriver(this.log, this.opts);
    this.batch = createBatch(this.opts.batchSize);
  }

  /** 'pcap' or 'pcapng'; undefined until the first batch was asked for. */
  get format(): CaptureFormat | undefined {
    return this.driver.parser?.format;
  }

  /** Problems met so far, the first occurrence of each reason (fatal ones have `fatal: true`). */
  get issues(): CaptureIssue[] {
    return this.log.issues;
  }

  /** Counters so far (a fresh snapshot on each access). */
  get stats(): CaptureStats {
    return makeStats(this.driver, this.log, this.compressed);
  }

  [Symbol.asyncIterator](): AsyncIterator<PacketBatch> {
    if (this.started) throw new Error(`${this.name}: a CaptureReader can be iterated only once`);
    this.started = true;
    return this.run();
  }

  /** Stops reading and releases the file or stream; a running loop ends after its current batch. */
  async close(): Promise<void> {
    this.closed = true;
    const c = this.cleanups.splice(0);
    for (const f of c.reverse()) await f();
  }

  private async *run(): AsyncGenerator<PacketBatch, void, undefined> {
    try {
      if (this.closed) return;
      if (typeof this.source === 'string' && this.source !== '-') yield* this.runFile(this.source);
      else yield* this.runChunks(this.source === '-' ? process.stdin : this.source, true);
    } finally {
      await this.close();
    }
  }

  /**
   * Plain files: two reusable buffers, the next chunk being read (in libuv's thread pool) while the
   * current one is parsed in place; the record straddling two chunks is completed in the driver's
   * carry buffer. gzip files go through the streaming decompressor instead.
   */
  private async *runFile(path: string): AsyncGenerator<PacketBatch, void, undefined> {
    let fh: FileHandle;
    try {
      fh = await openFile(path, 'r');
    } catch (e) {
      throw this.log.fatal('open-failed', 0, `cannot open: ${(e as Error).message}`, e);
    }
    let inFlight: Promise<unknown> = Promise.resolve();
    let fhClosed = false;
    this.cleanups.push(async () => {
      await inFlight.catch(() => undefined);
      if (!fhClosed) { fhClosed = true; await fh.close(); }
    });
    const d = this.driver;
    const batch = this.batch;
    const size = this.opts.chunkSize;
    const bufs = [new Uint8Array(size), new Uint8Array(size)];
    const read = (i: number): Promise<number> => {
      const p = fh.read(bufs[i], 0, size, null).then((r) => r.bytesRead, (e: Error) => {
        if (this.closed) return 0;
        throw this.log.fatal('read-failed', d.received, `read failed: ${e.message}`, e);
      });
      p.catch(() => undefined); // a failure is rethrown where it is awaited; never unhandled meanwhile
      inFlight = p;
      return p;
    };
    let cur = 0;
    let n = await read(cur);
    if (this.closed) return;
    if (n >= 2 && bufs[0][0] === 0x1f && bufs[0][1] === 0x8b) {
      // gzip: hand the bytes read so far and the rest of the file to a streaming gunzip.
      const rest = fh.createReadStream({ highWaterMark: Math.max(65536, size), autoClose: false });
      this.cleanups.push(() => { rest.destroy(); });
      yield* this.runChunks(prepend(bufs[0].slice(0, n), rest), false);
      return;
    }
    while (n > 0) {
      const chunk = bufs[cur].subarray(0, n);
      cur ^= 1;
      // The other buffer's batches were all consumed: read ahead into it while this chunk is parsed.
      const next = read(cur);
      d.write(chunk);
      while (d.next(batch)) {
        yield batch;
        if (this.closed) return;
      }
      n = await next;
      if (this.closed) return;
    }
    d.end();
    while (d.next(batch)) {
      yield batch;
      if (this.closed) return;
    }
  }

  private async *runChunks(source: AsyncIterable<unknown> | NodeJS.ReadableStream, detectGzip: boolean): AsyncGenerator<PacketBatch, void, undefined> {
    let chunks = byteChunks(source as AsyncIterable<unknown>, this.log);
    if (detectGzip) {
      const { head, rest } = await peek(chunks, 2);
      chunks = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b ? this.gunzip(prepend(head, rest)) : prepend(head, rest);
    } else {
      chunks = this.gunzip(chunks);
    }
    const d = this.driver;
    const batch = this.batch;
    for await (const chunk of chunks) {
      if (this.closed) return;
      d.write(chunk);
      while (d.next(batch)) {
        yield batch;
        if (this.closed) return;
      }
    }
    if (this.closed) return;
    d.end();
    while (d.next(batch)) {
      yield batch;
      if (this.closed) return;
    }
  }

  /** Decompresses a gzip byte stream (several members allowed); a cut stream is a non-fatal issue. */
  private async *gunzip(input: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array, void, undefined> {
    this.compressed = true;
    const gz = createGunzip({ chunkSize: Math.max(65536, Math.min(this.opts.chunkSize, 1 << 20)) });
    const src = Readable.from(input, { objectMode: false });
    src.on('error', (e) => gz.destroy(e));
    src.pipe(gz);
    this.cleanups.push(() => { src.destroy(); gz.destroy(); });
    try {
      for await (const c of gz) yield c as Buffer;
    } catch (e) {
      if (this.closed) return;
      if (e instanceof CaptureError) throw e;
      const code = (e as { code?: string }).code;
      if (code === 'Z_BUF_ERROR') {
        this.log.report('gzip-cut', this.driver.received, 'gzip stream cut short: decompressed what was there');
        return;
      }
      if (typeof code === 'string' && code.startsWith('Z_')) {
        throw this.log.fatal('gzip-corrupt', this.driver.received, `gzip data corrupt: ${(e as Error).message}`, e);
      }
      throw this.log.fatal('read-failed', this.driver.received, `read failed: ${(e as Error).message}`, e);
    }
  }
}

/**
 * Opens a capture (pcap or pcapng, detected by magic; gzip-compressed or not, detected by magic)
 * for streaming reads. `source` is a path (`'-'` reads standard input), a Node readable stream or any
 * `AsyncIterable<Uint8Array>`. Nothing is read before iteration starts; errors (missing file, unknown
 * format) surface from the loop as {@link CaptureError}.
 */
export function openCapture(source: CaptureSource, options?: CaptureOptions): CaptureReader {
  return new CaptureReader(source, options);
}

/**
 * Reads a capture file synchronously (fs.readSync into one reusable buffer), calling `onBatch` for
 * every batch (reused between calls). The fastest way through a local file; gzip files are refused
 * (use {@link openCapture}). Throws {@link CaptureError} on a fatal problem, after delivering every
 * batch before it.
 */
export function readCaptureSync(path: string, onBatch: (batch: PacketBatch) => void, options: CaptureOptions = {}, store?: BatchStore): CaptureSummary {
  const opts = resolveOptions(options);
  const name = options.name ?? path;
  const log = new IssueLog(name);
  const d = new ChunkDriver(log, { ...opts, buffers: store && ((min) => store.buffer(min)) });
  let batch = store ? store.batch() : createBatch(opts.batchSize);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw log.fatal('open-failed', 0, `cannot open: ${(e as Error).message}`, e);
  }
  try {
    let first = true;
    for (;;) {
      const r = d.reserve();
      let n: number;
      try {
        n = readSync(fd, r.buf, r.offset, r.length, null);
      } catch (e) {
        throw log.fatal('read-failed', d.received, `read failed: ${(e as Error).message}`, e);
      }
      if (first) {
        first = false;
        if (n >= 2 && r.buf[r.offset] === 0x1f && r.buf[r.offset + 1] === 0x8b) {
          throw log.fatal('gzip-sync', 0, 'gzip-compressed capture: readCaptureSync reads plain files only, use openCapture');
        }
      }
      d.commit(n);
      while (d.next(batch)) {
        onBatch(batch);
        if (store) batch = store.batch();
      }
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
  return { format: d.parser?.format, stats: makeStats(d, log, false), issues: log.issues };
}

function resolveOptions(o: CaptureOptions): Required<Omit<CaptureOptions, 'name'>> {
  const pos = (v: number | undefined, dflt: number, what: string) => {
    if (v === undefined) return dflt;
    if (!Number.isFinite(v) || v < 1) throw new RangeError(`${what} must be a positive number, not ${v}`);
    return Math.floor(v);
  };
  return {
    batchSize: pos(o.batchSize, DEFAULTS.batchSize, 'batchSize'),
    chunkSize: pos(o.chunkSize, DEFAULTS.chunkSize, 'chunkSize'),
    maxRecordBytes: pos(o.maxRecordBytes, DEFAULTS.maxRecordBytes, 'maxRecordBytes'),
  };
}

function makeStats(d: ChunkDriver, log: IssueLog, compressed: boolean): CaptureStats {
  const p = d.parser;
  const linkTypes: Record<number, number> = {};
  p?.linkTypeCounts(linkTypes);
  return {
    format: p?.format,
    compressed,
    records: d.records,
    bytesRead: d.received,
    linkTypes,
    truncated: p?.truncated ?? 0,
    cut: p?.cut ?? 0,
    skippedBlocks: p?.skippedBlocks ?? 0,
    noTimestamp: p?.noTimestamp ?? 0,
    issues: { ...log.counts },
  };
}

async function* byteChunks(source: AsyncIterable<unknown>, log: IssueLog): AsyncGenerator<Uint8Array, void, undefined> {
  if (source == null || typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function') {
    throw log.fatal('bad-source', 0, 'source is neither a path, a readable stream nor an async iterable');
  }
  let received = 0;
  try {
    for await (const c of source) {
      if (!(c instanceof Uint8Array)) {
        throw log.fatal('bad-source', received, `stream yielded a ${typeof c}, not bytes (was an encoding set?)`);
      }
      received += c.length;
      if (c.length > 0) yield c;
    }
  } catch (e) {
    if (e instanceof CaptureError) throw e;
    throw log.fatal('read-failed', received, `read failed: ${(e as Error).message}`, e);
  }
}

async function* prepend(head: Uint8Array, rest: AsyncIterable<unknown>): AsyncGenerator<Uint8Array, void, undefined> {
  if (head.length > 0) yield head;
  for await (const c of rest) yield c as Uint8Array;
}

/** Takes chunks until at least `n` bytes (or the end); returns them joined and the iterator of the rest. */
async function peek(src: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Uint8Array; rest: AsyncIterable<Uint8Array> }> {
  const it = src[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    have += r.value.length;
  }
  const head = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  const rest: AsyncIterable<Uint8Array> = { [Symbol.asyncIterator]: () => it };
  return { head, rest };
}
