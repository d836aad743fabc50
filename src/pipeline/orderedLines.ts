/**
 * CSV or JSON-lines output of a split capture, streamed in one-thread order with bounded
 * memory. Each thread encodes the rows it owns (formatting numbers is much of an output's
 * cost); followers post their lines to the leader in chunks, at least once per leader batch
 * they start, and the leader writes every row as soon as the rows before it are there. What
 * waits is at most the followers' backlog, whatever the capture's size.
 */
import { receiveMessageOnPort, MessagePort } from 'node:worker_threads';
import { RowEncoder } from '../output/rowEncoder';
import { ByteLines } from '../output/byteLines';
import type { BinRow, RowSink, TextEncoding, TextRowSink } from './rows';

/** A follower's lines: UTF-8 bytes and each line's byte length, in its rows' order. */
export interface LinesMessage { lines: Uint8Array; lengths: Int32Array }

const CHUNK_BYTES = 1 << 16;

/** Follower side: encodes its rows and posts the lines to the leader. */
export class FollowerLines implements RowSink {
  rows = 0;
  private encoder: RowEncoder | null = null;
  private readonly lines = new ByteLines();

  constructor(private readonly encoding: TextEncoding, private readonly port: MessagePort) {}

  begin(featureColumns: readonly string[]): void {
    this.encoder = new RowEncoder(this.encoding, featureColumns);
  }

  row(r: BinRow): void {
    this.encoder!.encodeInto(r, this.lines);
    this.rows++;
    if (this.lines.size >= CHUNK_BYTES) this.send();
  }

  /** Posts what is encoded (the leader may be holding later rows until it gets these). */
  send(): void {
    if (this.lines.count === 0) return;
    const m: LinesMessage = this.lines.take();
    this.port.postMessage(m, [m.lines.buffer as ArrayBuffer, m.lengths.buffer as ArrayBuffer]);
  }
}

interface Received { lines: Uint8Array; lengths: Int32Array; next: number; at: number }

/** Leader side: its own rows' lines and the followers', written to `out` in emission order. */
export class OrderedLines implements RowSink {
  private encoder: RowEncoder | null = null;
  /** Rows not written yet, in order: which thread has each (0: the leader). */
  private queue: number[] = [];
  private head = 0;
  /** Per thread, the chunks of lines received (the leader's: made) and not all written. */
  private readonly inbox: Received[][];
  private readonly own = new ByteLines();
  private calls = 0;

  /** `ports[k-1]` is the leader's end of follower k's channel. */
  constructor(private readonly out: TextRowSink, private readonly encoding: TextEncoding, private readonly ports: MessagePort[]) {
    this.inbox = [[], ...ports.map(() => [])];
  }

  begin(featureColumns: readonly string[]): void {
    this.encoder = new RowEncoder(this.encoding, featureColumns);
    this.out.begin?.(featureColumns);
  }

  row(r: BinRow): void {
    this.encoder!.encodeInto(r, this.own);
    this.queue.push(0);
    if (this.own.size >= CHUNK_BYTES) this.keepOwn();
    if ((++this.calls & 63) === 0) this.pump();
  }

  rowMeta(_r: BinRow, owner: number): void {
    this.queue.push(owner);
    if ((++this.calls & 63) === 0) this.pump();
  }

  /** Takes the followers' lines that arrived and writes every row whose turn has come. */
  pump(): void {
    for (let k = 0; k < this.ports.length; k++) {
      for (let m; (m = receiveMessageOnPort(this.ports[k])) !== undefined;) {
        const { lines, lengths } = m.message as LinesMessage;
        this.inbox[k + 1].push({ lines, lengths, next: 0, at: 0 });
      }
    }
    const q = this.queue;
    let h = this.head;
    while (h < q.length) {
      const x = q[h], box = this.inbox[x];
      if (box.length === 0) {
        if (x !== 0) break; // that follower's line has not arrived yet
        this.keepOwn();
      }
      // Consecutive rows of one thread are one slice of its chunk.
      const c = box[0], start = c.at;
      let n = 0;
      while (h < q.length && q[h] === x && c.next < c.lengths.length) { c.at += c.lengths[c.next++]; n++; h++; }
      this.out.writeEncoded(c.lines.subarray(start, c.at), n);
      if (c.next === c.lengths.length) box.shift();
    }
    if (h === q.length) { this.queue = []; h = 0; } else if (h > 4096 && 2 * h > q.length) { q.splice(0, h); h = 0; }
    this.head = h;
  }

  /** Once the followers are done (their lines all posted): writes the rest, which must be every row. */
  finish(): void {
    this.pump();
    const left = this.queue.length - this.head;
    if (left > 0) throw new Error(`parallel flows: ${left} rows never arrived from follower ${this.queue[this.head]}`);
    const extra = this.inbox.findIndex((b) => b.length > 0);
    if (extra >= 0) throw new Error(`parallel flows: follower ${extra} sent lines for rows the leader did not give it`);
  }

  /** The leader's lines so far become a chunk of its inbox. */
  private keepOwn(): void {
    if (this.own.count > 0) this.inbox[0].push({ ...this.own.take(), next: 0, at: 0 });
  }
}
