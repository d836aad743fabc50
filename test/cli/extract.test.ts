import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedData, SHARED_MISSING } from '../helpers';

const CLI = join(__dirname, '..', '..', 'src', 'cli', 'main.js');

test('refinery extract: CSV on standard output equals the --out file, with 1 or 2 workers', (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const files = ['baseline_Mar22_exp_46.pcap', 'movement_Apr20_exp_135.pcap'].map((f) => join(data, 'requet', f));
  const dir = mkdtempSync(join(tmpdir(), 'refinery-cli-'));
  try {
    const out = join(dir, 'bins.csv');
    const file = spawnSync(process.execPath, [CLI, 'extract', ...files, '--workers', '1', '--out', out, '--quiet']);
    assert.equal(file.status, 0, file.stderr.toString());
    for (const w of ['1', '2']) {
      const std = spawnSync(process.execPath, [CLI, 'extract', ...files, '--workers', w, '--quiet'], { maxBuffer: 1 << 28 });
      assert.equal(std.status, 0, std.stderr.toString());
      assert.ok(std.stdout.equals(readFileSync(out)), `stdout with ${w} worker(s) differs from the file`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('refinery extract | head: a reader that closes the pipe early ends the run quietly (exit 0, no stack trace)', async (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  // Enough output (one capture ten times, 1 s bins) that it cannot all sit in the pipe's buffer.
  const captures = new Array(10).fill(join(data, 'requet', 'baseline_Mar22_exp_46.pcap'));
  const child = spawn(process.execPath, [CLI, 'extract', ...captures, '--bins', '1', '--workers', '1', '--quiet'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  // Read the header, then close our end as `head -1` would.
  await new Promise<void>((resolve) => child.stdout.once('data', () => { child.stdout.destroy(); resolve(); }));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /Error|at /);
});

test('refinery extract --out -: CSV on standard output; an unknown output extension is refused plainly', (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const capture = join(data, 'requet', 'baseline_Mar22_exp_46.pcap');
  const dflt = spawnSync(process.execPath, [CLI, 'extract', capture, '--workers', '1', '--quiet'], { maxBuffer: 1 << 28 });
  const dash = spawnSync(process.execPath, [CLI, 'extract', capture, '--workers', '1', '--out', '-'], { maxBuffer: 1 << 28 });
  assert.equal(dash.status, 0, dash.stderr.toString());
  assert.ok(dash.stdout.length > 1000 && dash.stdout.equals(dflt.stdout), '--out - writes what the default does');
  assert.match(dash.stderr.toString(), /rows to standard output/);
  const bad = spawnSync(process.execPath, [CLI, 'extract', capture, '--out', join(tmpdir(), 'rows.txt')]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr.toString(), /cannot tell the output format of ".*rows\.txt": use \.csv, \.jsonl or \.parquet/);
  assert.doesNotMatch(bad.stderr.toString(), /\n\s+at /, 'no stack trace');
});

test('the built CLI entry is an executable script (npx refinery runs the bin as a program)', () => {
  const { mode } = statSync(CLI);
  assert.ok((mode & 0o111) !== 0, `mode ${mode.toString(8)}`);
  assert.match(readFileSync(CLI, 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node/);
});
