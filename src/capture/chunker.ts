import type { PacketBatch } from './batch';
import { CaptureError, IssueLog } from './errors';
import { isPcapMagic, PcapParser } from './pcapReader';
import { BlockType, PcapngParser } from './pcapngReader';
import type { RecordParser } from './parser';

const EMPTY = new Uint8Array(0);

export interface DriverOptions {
  /** Nominal read size; also how much small pushed chunks are gathered before parsing. */
  chunkSize: number;
  maxRecordBytes: number;
  /** Pushed chunks at least this long are parsed in place (no copy). */
  inPlaceMin?: number;
  /** Read mode: each read goes into a fresh buffer of at least `min` bytes from here, instead of the reused work buffer. */
  buffers?: (min: number) => Uint8Array;
}

/**
 * Feeds capture bytes to a record parser with bounded memory, whichever way the bytes come:
 *
 * - read mode (`reserve`/`commit`): the caller reads straight into the driver's work buffer (fs reads);
 *   the unparsed tail of a chunk (at most one record) is moved to the front before the next read;
 * - push mode (`write`): chunks from a stream. Large chunks are parsed in place (batch offsets point
 *   into the chunk); a record straddling two chunks is completed in the work buffer by copying exactly
 *   its missing bytes; small chunks are gathered in the work buffer first.
 *
 * `next(batch)` fills the batch from what is available and returns true when it holds records, false
 * when more input is needed (or at the end). A fatal error is thrown by the call after the one that
 * delivered the records preceding it. The format is detected from the first four bytes.
 */
export class ChunkDriver {
  parser: RecordParser | null = null;
  /** Bytes received so far (the capture offset of the next byte). */
  received = 0;
  /** Records delivered so far. */
  records = 0;
  private work: Uint8Array;
  private wStart = 0;
  private wEnd = 0;
  /** Capture offset of work[0]. */
  private wBase = 0;
  private pendingW = 0;
  /** The work buffer still holds whole records (the last parse stopped on a full batch). */
  private wArmed = false;
  private x: Uint8Array = EMPTY;
  private xPos = 0;
  private xEnd = 0;
  private xBase = 0;
  private eof = false;
  private done = false;
  private deferred: CaptureError | null = null;
  private readonly chunkSize: number;
  private readonly inPlaceMin: number;

  constructor(private readonly log: IssueLog, private readonly opts: DriverOptions) {
    this.chunkSize = Math.max(1, Math.floor(opts.chunkSize));
    this.inPlaceMin = opts.inPlaceMin ?? Math.min(this.chunkSize, 16384);
    this.work = opts.buffers ? EMPTY : new Uint8Array(this.chunkSize + Math.min(opts.maxRecordBytes, 1 << 20) + 64);
  }

  /** Read mode: where to read the next bytes into (at most `chunkSize`). */
  reserve(): { buf: Uint8Array; offset: number; length: number } {
    if (this.opts.buffers) {
      // Batches already delivered may still be in use: append while there is room, then carry
      // the unparsed tail to the buffer given (the same one when none of its batches went out).
      if (this.work.length - this.wEnd >= this.chunkSize) return { buf: this.work, offset: this.wEnd, length: this.chunkSize };
      const tail = this.wEnd - this.wStart;
      const next = this.opts.buffers(tail + this.chunkSize);
      if (next === this.work) next.copyWithin(0, this.wStart, this.wEnd);
      else next.set(this.work.subarray(this.wStart, this.wEnd));
      this.wBase += this.wStart;
      this.work = next;
      this.wStart = 0;
      this.wEnd = tail;
      return { buf: next, offset: tail, length: this.chunkSize };
    }
    this.compact();
    if (this.work.length - this.wEnd < this.chunkSize) this.grow(this.wEnd + this.chunkSize);
    return { buf: this.work, offset: this.wEnd, length: this.chunkSize };
  }

  /** Read mode: `n` bytes were read into the reserved space (0 means the end of input). */
  commit(n: number): void {
    if (n === 0) { this.eof = true; return; }
    this.wEnd += n;
    this.received += n;
  }

  /** Push mode: the next chunk of input; the previous one must have been consumed (next() returned false). */
  write(chunk: Uint8Array): void {
    if (this.xPos < this.xEnd) throw new Error('ChunkDriver.write: previous chunk not consumed');
    this.x = chunk;
    this.xPos = 0;
    this.xEnd = chunk.length;
    this.xBase = this.received;
    this.received += chunk.length;
  }

  /** No more input. */
  end(): void {
    this.eof = true;
  }

  next(batch: PacketBatch): boolean {
    batch.count = 0;
    if (this.deferred) {
      const e = this.deferred;
      this.deferred = null;
      this.done = true;
      throw e;
    }
    if (this.done) return false;
    for (;;) {
      const xRem = this.xEnd - this.xPos;
      if (this.parser === null) {
        // Gather the four magic bytes (only those, so the rest of a large chunk stays in place).
        if (this.wStart === this.wEnd) { this.wStart = this.wEnd = 0; this.wBase = this.xBase + this.xPos; }
        const k = Math.min(4 - (this.wEnd - this.wStart), xRem);
        if (k > 0) this.copyFromX(k);
        if (this.wEnd - this.wStart < 4 && !this.eof) return false;
        this.parser = this.detect();
        continue;
      }
      const wLen = this.wEnd - this.wStart;
      const final = this.eof && xRem === 0;
      if (wLen > 0) {
        const exact = xRem >= this.inPlaceMin;
        if (final || this.wArmed || (wLen >= this.pendingW && (exact || wLen >= this.chunkSize))) {
          batch.buf = this.work;
          this.wStart = this.parser.parse(this.work, this.wStart, this.wEnd, this.wBase, batch);
          this.pendingW = this.parser.pending;
          this.wArmed = this.pendingW === 0 && this.parser.error === null;
          // (Rewinding would overwrite records already delivered, which a buffer store keeps.)
          if (this.wStart === this.wEnd && !this.opts.buffers) { this.wBase += this.wEnd; this.wStart = this.wEnd = 0; }
          if (this.deliver(batch)) return true;
          if (final) {
            this.parser.finish(this.work, this.wStart, this.wEnd, this.wBase);
            return this.stop();
          }
          if (this.wStart === this.wEnd) continue;
        }
        if (xRem === 0) return false;
        let k: number;
        if (exact) k = Math.min(Math.max(this.pendingW - (this.wEnd - this.wStart), 1), xRem);
        else k = Math.min(xRem, Math.max(this.work.length - (this.wEnd - this.wStart), 1));
        this.copyFromX(k);
        continue;
      }
      if (xRem === 0) {
        if (this.eof) {
          this.parser.finish(this.work, 0, 0, this.wBase);
          return this.stop();
        }
        return false;
      }
      if (xRem >= this.inPlaceMin) {
        batch.buf = this.x;
        this.xPos = this.parser.parse(this.x, this.xPos, this.xEnd, this.xBase, batch);
        if (this.deliver(batch)) return true;
        // The rest is one incomplete record: carry it.
        this.wStart = this.wEnd = 0;
        this.wBase = this.xBase + this.xPos;
        this.pendingW = this.parser.pending;
        this.copyFromX(this.xEnd - this.xPos);
        continue;
      }
      this.wStart = this.wEnd = 0;
      this.wBase = this.xBase + this.xPos;
      this.pendingW = 0;
      this.copyFromX(Math.min(xRem, this.work.length));
    }
  }

  /** After a parse: true if the batch has records to hand out; throws a fatal error with none. */
  private deliver(batch: PacketBatch): boolean {
    const err = this.parser!.error;
    if (batch.count > 0) {
      this.records += batch.count;
      if (err) this.deferred = err;
      return true;
    }
    if (err) {
      this.done = true;
      throw err;
    }
    return false;
  }

  private stop(): false {
    this.done = true;
    const err = this.parser?.error;
    if (err) throw err;
    return false;
  }

  private detect(): RecordParser {
    const w = this.work;
    const s = this.wStart;
    const have = this.wEnd - s;
    if (have < 4) {
      throw this.fail(have === 0 ? 'not a pcap or pcapng file (empty)' : `not a pcap or pcapng file (only ${have} bytes)`);
    }
    const magic = ((w[s] << 24) | (w[s + 1] << 16) | (w[s + 2] << 8) | w[s + 3]) >>> 0;
    const ctx = { log: this.log, maxRecordBytes: this.opts.maxRecordBytes };
    if (isPcapMagic(magic)) return new PcapParser(ctx);
    if (magic === BlockType.SHB) return new PcapngParser(ctx);
    const hex = Array.from(w.subarray(s, s + 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw this.fail(`not a pcap or pcapng file (magic ${hex})`);
  }

  private fail(message: string): CaptureError {
    this.done = true;
    return this.log.fatal('not-a-capture', 0, message);
  }

  private copyFromX(k: number): void {
    if (this.work.length - this.wEnd < k) {
      this.compact();
      if (this.work.length - this.wEnd < k) this.grow(this.wEnd + k);
    }
    this.work.set(this.x.subarray(this.xPos, this.xPos + k), this.wEnd);
    this.wEnd += k;
    this.xPos += k;
  }

  private compact(): void {
    if (this.wStart === 0) return;
    if (this.wEnd > this.wStart) this.work.copyWithin(0, this.wStart, this.wEnd);
    this.wBase += this.wStart;
    this.wEnd -= this.wStart;
    this.wStart = 0;
  }

  /** Grows the work buffer; parsers refuse records beyond maxRecordBytes, so this is bounded. */
  private grow(min: number): void {
    const next = new Uint8Array(Math.max(min, this.work.length * 2));
    next.set(this.work.subarray(0, this.wEnd));
    this.work = next;
  }
}
