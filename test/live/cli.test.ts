import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTable } from '../../src/output/formats';
import { exitOf, flowTotals, liveSkipReason, readJsonlBins, ROOT, sendUdp, sleep, tmp, udpServer, waitForStderr } from './util';

const skip = liveSkipReason();
const CLI = join(ROOT, 'dist', 'src', 'cli', 'live.js');

/** Runs `refinery live` as a child, sends three bursts around bin and file boundaries, stops it with `signal`. */
async function runChild(format: string, signal: NodeJS.Signals) {
  const server = await udpServer();
  const out = tmp('cli');
  const child = spawn(process.execPath, [CLI, '--iface', 'lo', '--filter', `udp port ${server.port}`, '--bins', '1,2', '--rotate', '1',
    '--out', out, '--format', format, '--stats', '0.5'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d.toString(); });
  try {
    await waitForStderr(child, /capturing on lo/);
    const sizes = [...new Array(400).fill(100), ...new Array(300).fill(700), ...new Array(300).fill(1200)];
    await sendUdp(sizes.slice(0, 400), server.port);
    await sleep(1300);
    await sendUdp(sizes.slice(400, 700), server.port);
    await sleep(700);
    await sendUdp(sizes.slice(700), server.port); // the last burst sits in open bins when the signal comes
    child.kill(signal);
    const { code } = await exitOf(child);
    return { code, out, stderr, sizes };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await server.close();
  }
}

function checkStats(out: string, packets: number) {
  const lines = readFileSync(join(out, 'capture-stats.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.length >= 3, `stats lines: ${lines.length}`);
  const last = lines[lines.length - 1];
  assert.equal(last.final, true);
  assert.equal(last.totalProcessed, packets);
  assert.equal(last.totalDropped, 0);
  assert.equal(lines.reduce((n: number, l: { processed: number }) => n + l.processed, 0), packets, 'interval deltas add up');
  for (const l of lines) for (const k of ['received', 'dropped', 'ifDropped', 'processed', 'rows']) assert.equal(typeof l[k], 'number', k);
}

test('refinery live: SIGINT flushes open bins; rotated JSON lines files are complete; capture-stats.jsonl per interval', { skip: skip ?? false, timeout: 60000 }, async () => {
  const { code, out, stderr, sizes } = await runChild('jsonl', 'SIGINT');
  assert.equal(code, 0, stderr);
  const files = readdirSync(out);
  assert.ok(!files.some((f) => f.endsWith('.part')), `no partial files: ${files}`);
  const binFiles = files.filter((f) => /^bins-\d{8}T\d{6}Z(-\d+)?\.jsonl$/.test(f));
  assert.ok(binFiles.length >= 2, `rotation every second: ${files}`);
  const rows = readJsonlBins(out);
  for (const bin of [1, 2]) {
    const flows = flowTotals(rows.filter((r) => r.bin_size === bin));
    const all = [...flows.values()];
    assert.equal(all.reduce((n, f) => n + f.out + f.in, 0), sizes.length, `bin ${bin}: every packet in some bin`);
    assert.equal(all.reduce((n, f) => n + f.outBytes + f.inBytes, 0), sizes.reduce((n, s) => n + s + 28, 0));
  }
  checkStats(out, sizes.length);
  assert.match(stderr, /stopped \(signal:SIGINT\)/);
});

test('refinery live: SIGTERM with Parquet output gives readable files holding every packet', { skip: skip ?? false, timeout: 60000 }, async () => {
  const { code, out, stderr, sizes } = await runChild('parquet', 'SIGTERM');
  assert.equal(code, 0, stderr);
  const files = readdirSync(out).filter((f) => f.endsWith('.parquet'));
  assert.ok(files.length >= 2, `files: ${readdirSync(out)}`);
  let packets = 0;
  for (const f of files) {
    const t = await readTable(join(out, f));
    const size = t.column('bin_size') as Float64Array;
    const a = t.column('PacketCounters.OutPackets') as Float64Array, b = t.column('PacketCounters.InPackets') as Float64Array;
    for (let i = 0; i < t.length; i++) if (size[i] === 1) packets += a[i] + b[i];
  }
  assert.equal(packets, sizes.length);
  checkStats(out, sizes.length);
});

test('refinery live: --duration stops by itself; usage errors are reported', { skip: skip ?? false, timeout: 30000 }, async () => {
  const out = tmp('cli-dur');
  const child = spawn(process.execPath, [CLI, '--iface', 'lo', '--filter', 'udp port 9', '--duration', '0.5', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => { stderr += d.toString(); });
  const { code } = await exitOf(child);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /stopped \(duration\)/);
  const bad = spawn(process.execPath, [CLI, '--iface', 'lo', '--filter', 'port port', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  bad.stderr!.on('data', (d) => { err += d.toString(); });
  assert.equal((await exitOf(bad)).code, 2);
  assert.match(err, /invalid BPF filter "port port"/);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
});
