import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { CaptureError } from '../../src/capture/errors';
import { openCapture, readCaptureSync, CaptureOptions, CaptureReader, CaptureSource } from '../../src/capture/reader';
import type { PacketBatch } from '../../src/capture/batch';

/** The shared public data (../shared/data from the repo root), or null when absent. */
export function dataDir(): string | null {
  const d = resolve(__dirname, '../../../../shared/data');
  return existsSync(d) ? d : null;
}

/** One record copied out of a batch. */
export interface Rec {
  tsSec: number;
  tsNsec: number;
  caplen: number;
  wirelen: number;
  linkType: number;
  fileOffset: number;
  data: string;
}

export function copyBatch(b: PacketBatch, into: Rec[]): void {
  for (let i = 0; i < b.count; i++) {
    into.push({
      tsSec: b.tsSec[i],
      tsNsec: b.tsNsec[i],
      caplen: b.caplen[i],
      wirelen: b.wirelen[i],
      linkType: b.linkType[i],
      fileOffset: b.fileOffset[i],
      data: Buffer.from(b.buf.subarray(b.offset[i], b.offset[i] + b.caplen[i])).toString('hex'),
    });
  }
}

export interface ReadResult {
  recs: Rec[];
  batches: number;
  error: unknown;
  reader: CaptureReader;
}

/** Reads a whole capture with openCapture, keeping the error (if any) instead of throwing. */
export async function readAll(source: CaptureSource, opts?: CaptureOptions): Promise<ReadResult> {
  const reader = openCapture(source, opts);
  const recs: Rec[] = [];
  let batches = 0;
  let error: unknown = null;
  try {
    for await (const b of reader) { batches++; copyBatch(b, recs); }
  } catch (e) {
    error = e;
  }
  return { recs, batches, error, reader };
}

export function readAllSync(path: string, opts?: CaptureOptions): { recs: Rec[]; error: unknown } {
  const recs: Rec[] = [];
  let error: unknown = null;
  try {
    readCaptureSync(path, (b) => copyBatch(b, recs), opts);
  } catch (e) {
    error = e;
  }
  return { recs, error };
}

let tmp: string | null = null;
/** Writes bytes to a fresh temporary file and returns its path (the folder goes when the test process ends). */
export function tempFile(name: string, bytes: Uint8Array): string {
  if (tmp === null) {
    const dir = (tmp = mkdtempSync(join(tmpdir(), 'capture-test-')));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const p = join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

/** A Readable giving `bytes` in pieces of pseudo-random sizes in [1, maxPiece]. */
export function piecewise(bytes: Uint8Array, maxPiece: number, seed = 1): Readable {
  const pieces: Buffer[] = [];
  let s = seed;
  for (let o = 0; o < bytes.length;) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (s % maxPiece);
    pieces.push(Buffer.from(bytes.subarray(o, o + n)));
    o += n;
  }
  return Readable.from(pieces);
}

export function assertCaptureError(e: unknown): asserts e is CaptureError {
  if (!(e instanceof CaptureError)) throw new Error(`expected a CaptureError, got ${String(e)}`);
}
