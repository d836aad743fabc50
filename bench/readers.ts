/**
 * Capture reader benchmark: million records per second through
 *  (a) pcap-parser (npm), one 'packet' event per record;
 *  (b) openCapture, streaming async reader (fs reads into a reusable 1 MiB buffer);
 *  (c) openCapture fed by fs.createReadStream (push mode, 64 KiB chunks);
 *  (d) readCaptureSync, synchronous reader;
 *  (e) a bare loop over the records of the file already in memory (no I/O: the ceiling).
 * Each consumer touches every record (sums captured lengths and one byte) so no path can skip work.
 * On the merged Requet capture (requetMerged() of requetMerge.ts, re-exported here). Run: `npm run build && node dist/bench/readers.js [path] [reps]`.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { openCapture, readCaptureSync } from '../src/capture/reader';
import type { PacketBatch } from '../src/capture/batch';
import { requetMerged } from './requetMerge';

export { requetMerged } from './requetMerge';

interface PcapParserPacket { header: { capturedLength: number }; data: Buffer }
interface PcapParserEmitter { on(ev: 'packet', f: (p: PcapParserPacket) => void): this; on(ev: 'end', f: () => void): this; on(ev: 'error', f: (e: Error) => void): this }
// pcap-parser ships no types.
const pcapParser = require('pcap-parser') as { parse(input: string): PcapParserEmitter };

interface Tally { records: number; check: number }

function touch(b: PacketBatch, t: Tally): void {
  let c = t.check;
  const buf = b.buf;
  for (let i = 0; i < b.count; i++) c = (c + b.caplen[i] + buf[b.offset[i]]) | 0;
  t.check = c;
  t.records += b.count;
}

function viaPcapParser(path: string): Promise<Tally> {
  return new Promise((resolve, reject) => {
    const t: Tally = { records: 0, check: 0 };
    pcapParser.parse(path)
      .on('packet', (p) => { t.records++; t.check = (t.check + p.header.capturedLength + p.data[0]) | 0; })
      .on('end', () => resolve(t))
      .on('error', reject);
  });
}

async function viaStreaming(path: string): Promise<Tally> {
  const t: Tally = { records: 0, check: 0 };
  for await (const b of openCapture(path)) touch(b, t);
  return t;
}

async function viaReadStream(path: string): Promise<Tally> {
  const t: Tally = { records: 0, check: 0 };
  for await (const b of openCapture(createReadStream(path))) touch(b, t);
  return t;
}

async function viaSync(path: string): Promise<Tally> {
  const t: Tally = { records: 0, check: 0 };
  readCaptureSync(path, (b) => touch(b, t));
  return t;
}

/** Walks little-endian pcap records of an in-memory file (what any reader must at least do). */
function bareLoop(bytes: Uint8Array): Tally {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let records = 0;
  let check = 0;
  let sec = 0;
  for (let p = 24; p + 16 <= bytes.length;) {
    const incl = dv.getUint32(p + 8, true);
    sec += dv.getUint32(p, true);
    check = (check + incl + bytes[p + 16]) | 0;
    records++;
    p += 16 + incl;
  }
  return { records, check: check + (sec & 0) };
}

export interface ReaderFigure { name: string; best: number; median: number; records: number }

/** Runs every reader `reps` times on `path`; returns M records/s (best and median). */
export async function benchReaders(path: string, reps = 5, log: (s: string) => void = console.log): Promise<ReaderFigure[]> {
  const bytes = readFileSync(path);
  const cases: [string, () => Promise<Tally> | Tally][] = [
    ['pcap-parser (npm, events)', () => viaPcapParser(path)],
    ['openCapture(path) streaming', () => viaStreaming(path)],
    ['openCapture(fs.createReadStream)', () => viaReadStream(path)],
    ['readCaptureSync', () => viaSync(path)],
    ['bare loop, file in memory', () => bareLoop(bytes)],
  ];
  const expect = bareLoop(bytes);
  const out: ReaderFigure[] = [];
  for (const [name, run] of cases) {
    const rates: number[] = [];
    for (let i = 0; i < reps + 1; i++) {
      const t0 = process.hrtime.bigint();
      const t = await run();
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      if (t.records !== expect.records || t.check !== expect.check) throw new Error(`${name}: ${t.records} records, check ${t.check}; expected ${expect.records}, ${expect.check}`);
      if (i > 0) rates.push(t.records / s / 1e6); // the first run warms up
    }
    rates.sort((a, b) => a - b);
    const fig = { name, best: rates[rates.length - 1], median: rates[rates.length >> 1], records: expect.records };
    out.push(fig);
    log(`${name.padEnd(34)} best ${fig.best.toFixed(2).padStart(6)}  median ${fig.median.toFixed(2).padStart(6)} M records/s`);
  }
  return out;
}

async function main(): Promise<void> {
  let path = process.argv[2];
  if (!path) {
    try {
      path = requetMerged();
    } catch (e) {
      console.error(String((e as Error).message));
      process.exitCode = 1;
      return;
    }
  }
  const reps = Number(process.argv[3] ?? 5);
  const bytes = readFileSync(path).length;
  console.log(`${path}: ${(bytes / 1048576).toFixed(1)} MiB, ${bareLoop(readFileSync(path)).records} records; ${reps} timed runs each after one warm-up`);
  await benchReaders(path, reps);
}

if (require.main === module) void main();
