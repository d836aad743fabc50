/**
 * Live benchmark (`npm run build && node dist/bench/live.js [--rates 20000,50000,...] [--seconds 4] [--buffer MB]`):
 *  1. Live: tcpreplay plays the merged Requet capture onto `lo` at increasing packet rates (--pps, then
 *     --topspeed) while `runLive` collects the full video configuration (every class, 10 s bins, rows
 *     written to JSON lines). For each rate: what tcpreplay sent, what the pipeline processed, kernel
 *     drops (pcap_stats) and the CPU the Node process used. The answer: the highest rate with zero
 *     drops, and the rate where drops begin.
 *  2. Sources: the addon's libpcap file reader against readCaptureSync on the same file (M packets/s).
 *  3. Reference: the same configuration replayed from the file (readCaptureSync -> Pipeline), the
 *     ceiling of the JavaScript pipeline on this machine.
 * Needs root, tcpreplay (apt-get install tcpreplay), the built addon and ../shared/data (Requet).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PacketBatch } from '../src/capture/batch';
import { nativeAvailable, readCaptureNativeSync } from '../src/capture/live';
import { readCaptureSync } from '../src/capture/reader';
import { normalizeConfig, RefineryConfig } from '../src/config/config';
import '../src/features';
import { runLive } from '../src/live/run';
import { Pipeline } from '../src/pipeline/pipeline';
import { requetMerged } from './requetMerge';
import { bestOf, fmt, printTable, runBench } from './util';

const argv = process.argv.slice(2);
const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
const RATES = (opt('--rates') ?? '20000,50000,100000,150000,200000,300000,500000').split(',').map(Number);
const SECONDS = Number(opt('--seconds') ?? 4);
const BUFFER_MB = Number(opt('--buffer') ?? 32);
const FILTER = 'not net 127.0.0.0/8 and not host ::1';

function videoConfig(): RefineryConfig {
  const make = (collect: string[]) => normalizeConfig({ Bins: [10], Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: collect }] });
  try { return make(['all']); } catch { return make(['PacketCounters', 'PacketTimes']); }
}

function hasTool(name: string): Promise<boolean> {
  return new Promise((r) => spawn('sh', ['-c', `command -v ${name}`]).on('exit', (c) => r(c === 0)));
}

interface Replay { sent: number; seconds: number; pps: number; log: string }

function tcpreplay(file: string, rate: number | 'top', limit: number): Promise<Replay> {
  const args = ['-i', 'lo', rate === 'top' ? '--topspeed' : `--pps=${rate}`, `--limit=${limit}`, file];
  return new Promise((resolve, reject) => {
    const c = spawn('tcpreplay', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    c.stdout.on('data', (d) => { log += d; });
    c.stderr.on('data', (d) => { log += d; });
    c.on('error', reject);
    c.on('exit', (code) => {
      if (code !== 0) { reject(new Error(`tcpreplay exited ${code}: ${log}`)); return; }
      const actual = /Actual:\s+(\d+) packets .* sent in ([\d.]+) seconds/.exec(log);
      const rated = /Rated:.*?([\d.]+) pps/.exec(log);
      resolve({ sent: actual ? Number(actual[1]) : NaN, seconds: actual ? Number(actual[2]) : NaN, pps: rated ? Number(rated[1]) : NaN, log });
    });
  });
}

async function liveStep(file: string, total: number, config: RefineryConfig, rate: number | 'top') {
  const limit = rate === 'top' ? total : Math.min(total, Math.max(20000, Math.round(rate * SECONDS)));
  const out = mkdtempSync(join(tmpdir(), 'refinery-bench-live-'));
  const ac = new AbortController();
  let opened!: () => void;
  const ready = new Promise<void>((r) => { opened = r; });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = runLive({
    iface: 'lo', filter: FILTER, config, out, rotateSeconds: 0, handleSignals: false, signal: ac.signal, onStart: () => opened(),
    capture: { bufferSize: BUFFER_MB << 20, snaplen: 262144 },
  });
  await ready;
  let replay: Replay;
  try {
    replay = await tcpreplay(file, rate, limit);
  } finally {
    ac.abort();
  }
  const s = await run;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  rmSync(out, { recursive: true, force: true });
  const lost = replay.sent - s.records;
  return {
    target: rate === 'top' ? 'top speed' : String(rate),
    sentPps: replay.pps, sent: replay.sent, processed: s.records, dropped: s.capture.dropped, lost: Math.max(0, lost),
    rows: s.rows, cpu: (cpu.user + cpu.system) / 1e6 / wall, cpuSeconds: (cpu.user + cpu.system) / 1e6,
    zeroLoss: s.capture.dropped === 0 && lost <= 0,
  };
}

function touch(t: { n: number; c: number }) {
  return (b: PacketBatch) => {
    let c = t.c;
    for (let i = 0; i < b.count; i++) c = (c + b.caplen[i] + b.buf[b.offset[i]]) | 0;
    t.c = c;
    t.n += b.count;
  };
}

async function main() {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const file = requetMerged();
  let total = 0;
  readCaptureSync(file, (b) => { total += b.count; });
  const config = videoConfig();
  console.log(`# Live benchmark: ${file} (${total} packets), config Collect=${JSON.stringify(config.services[0].collect)}`);

  // Reference: the pipeline replaying the file (its ceiling on this machine).
  const refMs = await bestOf(1, () => {
    const p = new Pipeline({ config, sink: { row: () => {} } });
    readCaptureSync(file, (b) => p.processBatch(b));
    p.finish();
  });
  printTable('Reference: same configuration replayed from the file (readCaptureSync -> Pipeline)', [
    { path: 'file replay', 'M packets/s': fmt(total / refMs / 1e3, 3) },
  ]);

  if (!nativeAvailable()) { console.log('\n(native addon not built: node scripts/build-native.js; live and native-reader parts skipped)'); return; }

  const tTs = { n: 0, c: 0 }, tNat = { n: 0, c: 0 };
  const ts = await bestOf(3, () => { tTs.n = 0; readCaptureSync(file, touch(tTs)); });
  const nat = await bestOf(3, () => { tNat.n = 0; readCaptureNativeSync(file, touch(tNat)); });
  if (tTs.n !== tNat.n || tTs.c !== tNat.c) throw new Error(`readers disagree: ${tTs.n}/${tTs.c} vs ${tNat.n}/${tNat.c}`);
  printTable('Sources: libpcap file reader (addon) vs readCaptureSync, same file, same consumer', [
    { source: 'readCaptureSync (TypeScript)', ms: fmt(ts, 1), 'M packets/s': fmt(total / ts / 1e3, 2), ratio: '1.00' },
    { source: 'native libpcap reader', ms: fmt(nat, 1), 'M packets/s': fmt(total / nat / 1e3, 2), ratio: fmt(ts / nat) },
  ]);

  if (!root) { console.log('\n(not root: live part skipped)'); return; }
  if (!(await hasTool('tcpreplay'))) { console.log('\n(tcpreplay not installed: apt-get install tcpreplay; live part skipped)'); return; }
  const rows: Record<string, string | number>[] = [];
  let best = 0, firstDrop: string | null = null, usPerPacket = Infinity;
  for (const rate of [...RATES, 'top' as const]) {
    const r = await liveStep(file, total, config, rate);
    rows.push({ target: r.target, 'sent pps': Math.round(r.sentPps), sent: r.sent, processed: r.processed, 'kernel drops': r.dropped, lost: r.lost, rows: r.rows, 'node CPU (cores)': fmt(r.cpu, 2),
      'CPU µs/packet': fmt((r.cpuSeconds * 1e6) / Math.max(1, r.processed), 2), 'zero loss': r.zeroLoss ? 'yes' : 'no' });
    if (r.zeroLoss) best = Math.max(best, r.sentPps);
    else firstDrop ??= `${Math.round(r.sentPps)} pps (target ${r.target})`;
    if (r.processed >= 100000) usPerPacket = Math.min(usPerPacket, (r.cpuSeconds * 1e6) / r.processed);
    console.log(`  ${r.target}: sent ${r.sent} at ${Math.round(r.sentPps)} pps, processed ${r.processed}, dropped ${r.dropped}`);
  }
  printTable(`Live on lo: tcpreplay at increasing rates, full video configuration, kernel buffer ${BUFFER_MB} MiB`, rows);
  console.log(`\nHighest rate with zero drops: ${Math.round(best)} packets/s; drops begin at: ${firstDrop ?? 'not reached (tcpreplay top speed sustained)'}`);
  if (Number.isFinite(usPerPacket)) {
    console.log(`Node process CPU per packet (capture thread + pipeline + output): ${fmt(usPerPacket, 2)} µs -> ~${Math.round(1e6 / usPerPacket / 1000)} k packets/s per core on this replay (tcpreplay compresses time: fewer bins per packet than the file replay above, whose rate is the safer bound)`);
  }
}

runBench(main);
