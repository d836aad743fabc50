import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PacketBatch } from '../../src/capture/batch';
import type { LiveStats } from '../../src/capture/live';
import { udp4Frame } from '../../src/datasets/packets';
import { CaptureClock } from '../../src/live/clock';
import { RotatingSink, stamp } from '../../src/live/rotating';
import { runLive, LiveSource } from '../../src/live/run';
import { readTable } from '../../src/output/formats';
import { Pipeline } from '../../src/pipeline/pipeline';
import { batchOf, sharedData, SHARED_MISSING } from '../helpers';
import { openCapture } from '../../src/capture/reader';
import { flowTotals, readJsonlBins, sleep, tmp, waitUntil } from './util';
import '../../src/features';

/**
 * A packet source that plays a script in wall-clock time: each step is a pause (ms) or a number of
 * UDP packets stamped with the current time, like a capture of a link with gaps.
 */
class ScriptedSource implements LiveSource {
  readonly linkType = 1;
  private stopped = false;
  private delivered = 0;
  private wake: (() => void) | null = null;
  constructor(private readonly steps: ({ pause: number } | { packets: number; port?: number })[]) {}
  stats(): LiveStats {
    return { received: this.delivered, dropped: 0, ifDropped: 0, captured: this.delivered, capturedBytes: 0, delivered: this.delivered, batches: 0, discarded: 0 };
  }
  stop(): void { this.stopped = true; this.wake?.(); }
  async close(): Promise<void> { this.stopped = true; }
  async *[Symbol.asyncIterator](): AsyncIterator<PacketBatch> {
    for (const s of this.steps) {
      if (this.stopped) return;
      if ('pause' in s) {
        await new Promise<void>((r) => { const t = setTimeout(r, s.pause); this.wake = () => { clearTimeout(t); r(); }; });
        continue;
      }
      const now = Date.now() / 1000;
      const frames = Array.from({ length: s.packets }, (_, i) => ({ ts: now + i * 1e-6, data: udp4Frame('10.0.0.1', '10.0.0.2', 40000, s.port ?? 5000, new Uint8Array(72)) }));
      this.delivered += s.packets;
      yield batchOf(frames);
    }
    // Ran out of script: wait for the stop, as a quiet link would.
    while (!this.stopped) await new Promise<void>((r) => { this.wake = r; });
  }
}

test('CaptureClock: last packet time plus wall time since, less the grace; monotone; -Infinity before packets', () => {
  const c = new CaptureClock(0.5);
  assert.equal(c.estimate(1000), -Infinity);
  c.observe(100, 10_000);
  assert.equal(c.estimate(10_000), 100);
  assert.equal(c.estimate(10_400), 100, 'within the grace: no advance');
  assert.equal(c.estimate(12_000), 101.5);
  c.observe(100.2, 12_100); // a late batch must not move time backwards
  assert.equal(c.estimate(12_100), 101.5);
  assert.equal(c.estimate(20_100), 100.2 + 7.5);
});

test('stamp(): UTC compact names', () => {
  assert.equal(stamp(0), '19700101T000000Z');
  assert.equal(stamp(1_700_000_000.25), '20231114T221320.250Z');
});

test('RotatingSink: a file per capture-time window, .part until complete, no file for empty windows, every row kept', async () => {
  const dir = tmp('rot');
  const sink = new RotatingSink({ dir, level: 'flow', format: 'jsonl', rotateSeconds: 10 });
  const p = new Pipeline({ bins: [1], sink });
  const T = 1_700_000_000;
  const frames = [0, 0.5, 3, 12, 13, 45, 46].map((dt) => ({ ts: T + dt, data: udp4Frame('10.0.0.1', '10.0.0.2', 40000, 53, new Uint8Array(10)) }));
  for (const f of frames) {
    p.processBatch(batchOf([f]));
    sink.tick(f.ts);
    if (f.ts === T + 3) assert.match(sink.openPath ?? '', /\.jsonl\.part$/, 'the open file carries .part');
  }
  p.finish();
  await sink.end();
  const names = readdirSync(dir).sort();
  // T = 22:13:20 UTC. Rows land in the window of the time they close: bins of 0-3 s close by 12 s
  // (file 221320 for the row closed at 3 s, 221330 for 12 s), those of 12-13 s close at 45 s (221400);
  // nothing closes during 20-40 s: no file for those windows.
  assert.deepEqual(names, ['bins-20231114T221320Z.jsonl', 'bins-20231114T221330Z.jsonl', 'bins-20231114T221400Z.jsonl']);
  const rows = readJsonlBins(dir);
  assert.equal(rows.length, sink.rows);
  assert.equal([...flowTotals(rows).values()][0].out, frames.length);
  assert.equal(sink.files.reduce((n, f) => n + f.rows, 0), rows.length);
});

test('runLive (scripted source): bins close on the timer during pauses, files rotate, a stop flushes the open bins', { timeout: 20000 }, async () => {
  const out = tmp('runloop');
  const src = new ScriptedSource([{ packets: 100 }, { pause: 1500 }, { packets: 50 }, { pause: 1200 }, { packets: 25, port: 6000 }]);
  const rowsSeen: number[] = [];
  const ac = new AbortController();
  const run = runLive({ iface: 'test0', source: src, out, bins: [1], rotateSeconds: 1, statsSeconds: 0.25, tickMs: 50, graceSeconds: 0.2, handleSignals: false, signal: ac.signal,
    onStats: (r) => rowsSeen.push(r.totalRows) });
  try {
    await sleep(1300);
    // During the first pause the first bin (1 s) closed on the timer, before any later packet.
    assert.ok(rowsSeen.some((n) => n >= 1), `rows written during the pause: ${rowsSeen}`);
    await sleep(1700);
  } finally {
    ac.abort(); // also when an assertion failed: a run left going would hold the test process open
  }
  const s = await run;
  assert.equal(s.stoppedBy, 'abort');
  assert.equal(s.records, 175);
  const rows = readJsonlBins(out);
  const flows = flowTotals(rows);
  assert.equal(flows.get('udp:5000-40000')!.out, 150);
  assert.equal(flows.get('udp:6000-40000')!.out, 25, 'the last bins, open at the stop, were flushed');
  assert.ok(s.files.length >= 2, `rotated: ${s.files.map((f) => f.path)}`);
  assert.equal(s.files.reduce((n, f) => n + f.rows, 0), s.rows);
  const stats = readFileSync(join(out, 'capture-stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(stats.at(-1).final, true);
  assert.equal(stats.at(-1).totalProcessed, 175);
  assert.equal(stats.at(-1).totalRows, s.rows);
});

test('runLive (scripted source): duration ends the run; Parquet files read back', { timeout: 20000 }, async () => {
  const out = tmp('runloop-pq');
  const src = new ScriptedSource([{ packets: 30 }, { pause: 300 }, { packets: 30 }]);
  const s = await runLive({ iface: 'test0', source: src, out, bins: [10], rotateSeconds: 0, format: 'parquet', duration: 0.8, handleSignals: false });
  assert.equal(s.stoppedBy, 'duration');
  assert.equal(s.files.length, 1);
  const t = await readTable(s.files[0].path);
  assert.equal(t.length, 1);
  assert.equal((t.column('PacketCounters.OutPackets') as Float64Array)[0], 60);
});

/** A capture file played as fast as it reads: a deterministic live source. */
class FileSource implements LiveSource {
  readonly linkType = 1;
  private delivered = 0;
  constructor(private readonly path: string) {}
  stats(): LiveStats {
    return { received: this.delivered, dropped: 0, ifDropped: 0, captured: this.delivered, capturedBytes: 0, delivered: this.delivered, batches: 0, discarded: 0 };
  }
  stop(): void {}
  async close(): Promise<void> {}
  async *[Symbol.asyncIterator](): AsyncIterator<PacketBatch> {
    for await (const b of openCapture(this.path, { name: this.path })) { this.delivered += b.count; yield b; }
  }
}

test('runLive with 2 workers: the same rows, in the same order, as one thread (bins closed by packets, no timer)', { timeout: 60000 }, async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
  const config = { Services: [{ Name: 'all', Filter: { Prefixes: ['0.0.0.0/0', '::/0'] }, Collect: ['all'] }] };
  const outs: string[] = [];
  for (const workers of [1, 2]) {
    const out = tmp(`runloop-w${workers}`);
    outs.push(out);
    const s = await runLive({ iface: 'test0', source: new FileSource(capture), out, config, bins: [2, 10], rotateSeconds: 0, tickMs: 3_600_000, handleSignals: false, workers, raw: true });
    assert.equal(s.stoppedBy, 'end');
    assert.ok(s.rows > 100, `${s.rows} rows`);
  }
  const [one, two] = outs.map((o) => readJsonlBins(o));
  assert.equal(two.length, one.length);
  assert.deepEqual(two, one);
  const stats = outs.map((o) => readFileSync(join(o, 'capture-stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).at(-1));
  assert.equal(stats[1].totalProcessed, stats[0].totalProcessed);
  assert.equal(stats[1].totalRows, stats[0].totalRows);
});

test('runLive (scripted source) with 2 workers: the timer still closes bins during pauses; a stop flushes everything', { timeout: 30000 }, async () => {
  const out = tmp('runloop-2w');
  const src = new ScriptedSource([{ packets: 100 }, { pause: 4000 }, { packets: 50 }, { pause: 600 }, { packets: 25, port: 6000 }]);
  const seen: { rows: number; processed: number }[] = [];
  const ac = new AbortController();
  const run = runLive({ iface: 'test0', source: src, out, bins: [1], rotateSeconds: 1, statsSeconds: 0.25, tickMs: 50, graceSeconds: 0.2, handleSignals: false, signal: ac.signal,
    workers: 2, onStats: (r) => seen.push({ rows: r.totalRows, processed: r.totalProcessed }) });
  try {
    // During the long pause (workers may still be starting: a cold thread takes a while), the
    // first 1 s bin closes on the timer: a row is out while only the first 100 packets are in.
    await waitUntil(() => seen.some((x) => x.rows >= 1 && x.processed === 100), 'a row closed by the timer during the pause', 3500);
    await waitUntil(() => seen.some((x) => x.processed === 175), 'all packets processed', 5000);
  } finally {
    ac.abort();
  }
  const s = await run;
  assert.equal(s.records, 175);
  const flows = flowTotals(readJsonlBins(out));
  assert.equal(flows.get('udp:5000-40000')!.out, 150);
  assert.equal(flows.get('udp:6000-40000')!.out, 25);
  assert.equal(s.files.reduce((n, f) => n + f.rows, 0), s.rows);
});
