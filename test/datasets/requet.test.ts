import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, isAbsolute } from 'node:path';
import { importRequet, loadRequetCheckout, parseRequetLine, parseRequetMerged, RequetFormatError } from '../../src/datasets/requet';
import { readDataset } from '../../src/datasets/labels';
import { firstTimestamp } from '../../src/datasets/pcapScan';

const candidates = [process.env.TR_SHARED_DATA, resolve(process.cwd(), '../shared/data'), '/work/shared/data'].filter((x): x is string => !!x);
const DATA = candidates.find((d) => existsSync(join(d, 'requet', 'baseline_Mar22_exp_46_merged.txt')));
const skip = DATA ? false : `Requet data not found (looked in ${candidates.join(', ')}; set TR_SHARED_DATA)`;
const REQUET = DATA ? join(DATA, 'requet') : '';
const BASE = 'baseline_Mar22_exp_46';
const MOVE = 'movement_Apr20_exp_135';

const tmp = mkdtempSync(join(tmpdir(), 'tr-requet-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('baseline_Mar22_exp_46: 720p in every playing second, startup 2.7 s, aligned with the capture', { skip }, async () => {
  const r = await importRequet([join(REQUET, `${BASE}_merged.txt`)]);
  const s = r.sessions[0];
  assert.equal(s.session_id, BASE);
  assert.ok(Math.abs(s.startup_delay_s - 2.7) <= 0.1, `startup ${s.startup_delay_s}`);
  const playing = r.labels.filter((l) => l.state === 'playing');
  assert.ok(playing.length > 550, `${playing.length} playing seconds`);
  for (const l of playing) assert.equal(l.resolution, 720, `t=${l.t}`);
  assert.equal(s.client_ip, '160.39.184.21');
  assert.equal(s.service, 'Youtube');
  assert.ok(isAbsolute(s.capture) && s.capture.endsWith(`${BASE}.pcap`));
  // Label time 0 = the first packet of the capture (see the alignment note in requet.ts).
  assert.equal(s.start_ts, firstTimestamp(readFileSync(s.capture)));
  const al = r.details[0].alignment!;
  assert.ok(al.countAgreement > 0.99, `per-100 ms packet counts agree: ${al.countAgreement}`);
  assert.ok(Math.abs(al.offsetS - 0.095) < 0.01);
  // Seconds are contiguous from 0 and the state is startup until the first playing second.
  r.labels.forEach((l, i) => assert.equal(l.t, i));
  assert.deepEqual(r.labels.slice(0, 2).map((l) => l.state), ['startup', 'startup']);
});

test('movement_Apr20_exp_135: several resolutions including 144 and 480, startup 30.5 s, stalls', { skip }, async () => {
  const r = await importRequet([join(REQUET, `${MOVE}_merged.txt`)], { pcap: join(REQUET, `${MOVE}.pcap`) });
  const s = r.sessions[0];
  assert.ok(Math.abs(s.startup_delay_s - 30.5) <= 0.1, `startup ${s.startup_delay_s}`);
  const heights = new Set(r.labels.filter((l) => l.state === 'playing').map((l) => l.resolution));
  assert.ok(heights.has(144) && heights.has(480) && heights.size >= 3, [...heights].join(','));
  assert.ok(r.labels.some((l) => l.state === 'stalled'), 'rebuffering after startup is labelled stalled');
  assert.ok(r.labels.filter((l) => l.t < 30).every((l) => l.state === 'startup'));
  assert.equal(s.client_ip, '192.168.1.190');
  assert.ok(r.details[0].alignment!.countAgreement > 0.99);
});

test('importRequet writes sessions.csv and labels.csv referencing the captures by absolute path', { skip }, async () => {
  const out = join(tmp, 'out');
  const r = await importRequet([join(REQUET, `${BASE}_merged.txt`), join(REQUET, `${MOVE}_merged.txt`)], { out });
  assert.equal(r.out, out);
  const d = await readDataset(out);
  assert.deepEqual(d.sessions.map((s) => s.session_id), [BASE, MOVE]);
  for (const s of d.sessions) {
    assert.ok(isAbsolute(s.capture) && existsSync(s.capture));
    assert.ok(!existsSync(join(out, `${s.session_id}.pcap`)), 'no copy of the capture');
  }
  assert.equal(d.labels.length, r.labels.length);
  assert.equal(d.sessions[0].start_ts, r.sessions[0].start_ts);
});

test('loadRequetCheckout: group folders with PCAP and txt subfolders (symlinks), unmatched merged files skipped', { skip }, async () => {
  const root = join(tmp, 'checkout');
  const put = (group: string, sub: string, name: string, target: string): void => {
    mkdirSync(join(root, group, sub), { recursive: true });
    symlinkSync(target, join(root, group, sub, name));
  };
  put('A', 'PCAP', `${BASE}.pcap`, join(REQUET, `${BASE}.pcap`));
  put('A', 'txt', `${BASE}_merged.txt`, join(REQUET, `${BASE}_merged.txt`));
  put('B2', 'PCAP', `${MOVE}.pcap`, join(REQUET, `${MOVE}.pcap`));
  put('B2', 'txt', `${MOVE}_merged.txt`, join(REQUET, `${MOVE}_merged.txt`));
  put('C', 'txt', `orphan_exp_1_merged.txt`, join(REQUET, `${BASE}_merged.txt`));
  assert.ok(lstatSync(join(root, 'A', 'PCAP', `${BASE}.pcap`)).isSymbolicLink());
  const r = await loadRequetCheckout(root);
  assert.deepEqual(r.sessions.map((s) => s.session_id).sort(), [BASE, MOVE]);
  assert.deepEqual(r.groups, { A: 1, B2: 1 });
  assert.equal(r.skipped.length, 1);
  assert.match(r.skipped[0], /orphan_exp_1_merged\.txt$/);
  await assert.rejects(loadRequetCheckout(join(tmp, 'nothing-here')), /none of the group folders/);
});

test('malformed records: clear errors naming the file and the line', () => {
  const good = '[0.1, 6, 56, 4401, 38103, [[0,0,0,0,0,0,0], [0,0.0.0.0,0,6,56,4401,38103]], [[0, 0, 0, 1],1521746170674,1521746167781,0.137,678.981,[0, 0, 0, 0, 0, 1, 0, 0, 0],1.429,0.0023,true]]';
  const r = parseRequetLine(good, 'f.txt', 3);
  assert.equal(r.rel, 0.1);
  assert.deepEqual(r.qualities, [720]);
  assert.equal(r.events.collect, true);
  const bad: [string, RegExp][] = [
    [good.slice(0, -1), /f\.txt:7: unterminated record/],
    [good.replace('4401', 'abc'), /f\.txt:7: #BytesSent: expected a number, found "abc"/],
    [good.replace('[0, 0, 0, 1]', '[0, 2, 0, 1]'), /f\.txt:7: PlaybackEvent\[1\]: expected 0 or 1/],
    [good.replace('[0, 0, 0, 0, 0, 1, 0, 0, 0]', '[0, 0, 1]'), /f\.txt:7: PlaybackQuality: expected 9 values, found 3/],
    [good.replace(',true]]', ',maybe]]'), /f\.txt:7: BufferValid/],
    [good.replace('[0.1, 6,', '[0.1,,'), /f\.txt:7: empty value/],
    ['[0.1, 1, 2]', /f\.txt:7: expected 7 fields/],
    ['hello', /f\.txt:7: unexpected "h" outside brackets/],
    [good + ']', /f\.txt:7: unbalanced/],
  ];
  for (const [line, re] of bad) {
    assert.throws(() => parseRequetLine(line, 'f.txt', 7), (e: unknown) => e instanceof RequetFormatError && re.test((e as Error).message), line.slice(0, 60));
  }
  // Line numbers count blank lines, as in the upstream files (a record every other line).
  assert.throws(() => parseRequetMerged(`${good}\n\n${good}\n\n${good.replace('1.429', 'x')}\n`, 'g.txt'), /g\.txt:5: BufferHealth/);
  assert.throws(() => parseRequetMerged(`${good}\n\n${good.replace('[0.1,', '[0.05,')}\n`, 'g.txt'), /g\.txt:3: RelativeTime 0.05 goes back/);
  // null buffer fields (present in the public files) are accepted.
  assert.ok(Number.isNaN(parseRequetLine(good.replace('0.0023,true', 'null,false'), 'f', 1).bufferProgress));
});

test('a malformed line inside a real file is reported with its line number', { skip }, async () => {
  const lines = readFileSync(join(REQUET, `${BASE}_merged.txt`), 'utf8').split('\n');
  lines[40] = lines[40].replace(/\]\], \[\[(\d), (\d), (\d), (\d)\]/, ']], [[$1, $2, $3]');
  assert.notEqual(lines[40], readFileSync(join(REQUET, `${BASE}_merged.txt`), 'utf8').split('\n')[40]);
  const f = join(tmp, `broken_exp_1_merged.txt`);
  writeFileSync(f, lines.join('\n'));
  await assert.rejects(importRequet([f], { pcap: join(REQUET, `${BASE}.pcap`) }), (e: Error) => e.message.startsWith(`${f}:41: PlaybackEvent: expected 4 values`));
  await assert.rejects(importRequet([join(REQUET, `${BASE}_merged.txt`)], { pcap: join(tmp, 'missing.pcap') }), /cannot read the capture/);
});
