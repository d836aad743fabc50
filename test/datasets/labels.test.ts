import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatLabelsCsv, formatSessionsCsv, formatSegmentsCsv, parseLabelsCsv, parseSessionsCsv, parseSegmentsCsv, parseCsv, readDataset,
  writeDatasetCsvs, CsvError, SessionRecord, LabelRecord, SegmentRecord,
} from '../../src/datasets/labels';
import { ensureDefaultDataset, DEFAULT_DATASET_PARAMS, MARKER_FILE } from '../../src/datasets/defaultDataset';
import { Rng } from '../../src/datasets/rng';
import { buildDnsResponse } from '../../src/datasets/dns';
import { parseDns } from './helpers';
import { SERVICE_PROFILES, SERVICE_NAMES, BACKGROUND_SITES, BACKGROUND_PREFIXES, ipv4InPrefix, randomIpInPrefix } from '../../src/datasets/services';

const tmp = mkdtempSync(join(tmpdir(), 'tr-labels-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sessions: SessionRecord[] = [
  { session_id: 's1', capture: 'dir with, comma/s1.pcap', service: 'Youtube', client_ip: '192.168.1.5', start_ts: 1648771200.123456, startup_delay_s: 2.5, duration_s: 3 },
  { session_id: 's2', capture: '/abs/s2.pcap', service: 'Netflix', client_ip: '10.0.0.2', start_ts: 1648774800, startup_delay_s: NaN, duration_s: 2 },
];
const labels: LabelRecord[] = [
  { session_id: 's1', t: 0, state: 'startup', resolution: null, buffer_s: 0 },
  { session_id: 's1', t: 1, state: 'startup', resolution: null, buffer_s: 1.5 },
  { session_id: 's1', t: 2, state: 'playing', resolution: 720, buffer_s: 4.25 },
  { session_id: 's2', t: 0, state: 'stalled', resolution: null, buffer_s: 0 },
  { session_id: 's2', t: 1, state: 'paused', resolution: 480, buffer_s: 3 },
];
const segments: SegmentRecord[] = [
  { session_id: 's1', flow: 50000, t_request: 0.5, t_done: 1.25, bytes: 123456, resolution: 720, kind: 'video', index: 0, duration_s: 5, t_play: 2.5 },
  { session_id: 's1', flow: 50001, t_request: 0.5, t_done: NaN, bytes: 20000, resolution: null, kind: 'audio', index: 0, duration_s: 5, t_play: null },
];

test('CSV round trip of sessions, labels and segments (quoting, NaN, empty resolution)', async () => {
  await writeDatasetCsvs(tmp, { sessions, labels, segments });
  const d = await readDataset(tmp);
  assert.equal(d.sessions[0].capture, 'dir with, comma/s1.pcap');
  assert.equal(d.sessions[0].start_ts, 1648771200.123456);
  assert.ok(Number.isNaN(d.sessions[1].startup_delay_s));
  assert.deepEqual(d.labels, labels);
  assert.equal(d.segments!.length, 2);
  assert.deepEqual(d.segments![0], segments[0]);
  assert.ok(Number.isNaN(d.segments![1].t_done));
  assert.equal(d.segments![1].t_play, null);
  assert.match(readFileSync(join(tmp, 'labels.csv'), 'utf8'), /^session_id,t,state,resolution,buffer_s\ns1,0,startup,,0\n/);
});

test('readers name the file and line of every error', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => parseLabelsCsv('session_id,t,state,resolution\ns,0,playing,720\n', 'L.csv'), /^L\.csv:1: missing column "buffer_s"/],
    [() => parseLabelsCsv('session_id,t,state,resolution,buffer_s\ns,0,playing,720,1\ns,1,dancing,720,1\n', 'L.csv'), /^L\.csv:3: state: expected one of startup\|playing\|stalled\|paused, found "dancing"/],
    [() => parseLabelsCsv('session_id,t,state,resolution,buffer_s\ns,0.5,playing,720,1\n', 'L.csv'), /^L\.csv:2: t: not an integer/],
    [() => parseLabelsCsv('session_id,t,state,resolution,buffer_s\ns,1,playing,hd,1\n', 'L.csv'), /^L\.csv:2: resolution: expected a positive integer or empty, found "hd"/],
    [() => parseLabelsCsv('session_id,t,state,resolution,buffer_s\ns,1,playing,720\n', 'L.csv'), /^L\.csv:2: expected 5 fields, found 4/],
    [() => parseSessionsCsv(formatSessionsCsv(sessions) + 's1,x.pcap,Youtube,1.2.3.4,1,1,1\n', 'S.csv'), /^S\.csv:4: duplicate session_id "s1"/],
    [() => parseSessionsCsv('session_id,capture,service,client_ip,start_ts,startup_delay_s,duration_s\ns,c,Y,1.2.3.4,yesterday,1,1\n', 'S.csv'), /^S\.csv:2: start_ts: not a number: "yesterday"/],
    [() => parseSegmentsCsv(formatSegmentsCsv(segments).replace('video', 'subtitles'), 'G.csv'), /^G\.csv:2: kind: expected video\|audio/],
    [() => parseCsv('a,b\n"x,1\n', 'Q.csv'), /^Q\.csv:2: unterminated quoted field/],
    [() => parseCsv('', 'E.csv'), /^E\.csv:1: empty file/],
  ];
  for (const [f, re] of bad) assert.throws(f, (e: unknown) => e instanceof CsvError && re.test((e as Error).message), re.source);
  // A label row for an unknown session is rejected when reading a folder.
  const dir = join(tmp, 'orphan');
  require('node:fs').mkdirSync(dir);
  writeFileSync(join(dir, 'sessions.csv'), formatSessionsCsv(sessions));
  writeFileSync(join(dir, 'labels.csv'), formatLabelsCsv([...labels, { session_id: 'zz', t: 0, state: 'playing', resolution: 144, buffer_s: 0 }]));
  return assert.rejects(readDataset(dir), /labels row 6: unknown session_id "zz"/);
});

test('seeded PRNG: deterministic, independent streams, sane distributions', () => {
  const a = new Rng(1, 2), b = new Rng(1, 2), c = new Rng(1, 3);
  const xa = Array.from({ length: 5 }, () => a.u32());
  assert.deepEqual(xa, Array.from({ length: 5 }, () => b.u32()));
  assert.notDeepEqual(xa, Array.from({ length: 5 }, () => c.u32()));
  const r = new Rng(42);
  let sum = 0, sq = 0;
  for (let i = 0; i < 20000; i++) { const v = r.normal(); sum += v; sq += v * v; }
  assert.ok(Math.abs(sum / 20000) < 0.03 && Math.abs(sq / 20000 - 1) < 0.05);
  for (let i = 0; i < 1000; i++) { const k = r.int(3, 5); assert.ok(k >= 3 && k <= 5); }
});

test('DNS responses use name compression and carry the CNAME chain', () => {
  const msg = buildDnsResponse(0x1234, 'www.netflix.com', { cnames: ['www.dradis.netflix.com', 'edge.example.net'], addresses: ['198.38.96.10', '198.38.96.11'], ttl: 60 });
  const m = parseDns(msg);
  assert.equal(m.qname, 'www.netflix.com');
  assert.deepEqual(m.answers.map((a) => [a.name, a.type, a.data]), [
    ['www.netflix.com', 5, 'www.dradis.netflix.com'], ['www.dradis.netflix.com', 5, 'edge.example.net'],
    ['edge.example.net', 1, '198.38.96.10'], ['edge.example.net', 1, '198.38.96.11'],
  ]);
  // Compression: the answer owner names are 2-byte pointers, and "netflix.com" is written once.
  assert.equal(Buffer.from(msg).toString('latin1').split('netflix').length - 1, 1);
  // 12 header + 21 question + (2+10+13) + (2+10+18) + 2 x (2+10+4): every owner name is a pointer.
  assert.equal(msg.length, 120);
});

test('service prefixes: Netflix follows the original config; background prefixes never overlap a service', () => {
  assert.ok(SERVICE_PROFILES.Netflix.prefixes.includes('198.38.96.0/19'));
  const r = new Rng(5);
  for (const n of SERVICE_NAMES) {
    for (const p of [...SERVICE_PROFILES[n].prefixes, ...SERVICE_PROFILES[n].webPrefixes]) {
      for (let i = 0; i < 20; i++) assert.ok(ipv4InPrefix(randomIpInPrefix(r, p), p));
      for (const bg of [...BACKGROUND_PREFIXES, ...BACKGROUND_SITES.map((s) => s.prefix)]) {
        const [base] = bg.split('/');
        const [pb] = p.split('/');
        assert.ok(!ipv4InPrefix(base, p) && !ipv4InPrefix(pb, bg), `${bg} overlaps ${n} ${p}`);
      }
    }
  }
});

test('ensureDefaultDataset: generates once, reuses the cache, regenerates when the parameters change', async () => {
  const dir = join(tmp, 'default');
  const small = { sessions: 1, seed: 3, minDurationS: 15, maxDurationS: 15 };
  const a = await ensureDefaultDataset(dir, small);
  assert.equal(a.generated, true);
  const marker = JSON.parse(readFileSync(join(dir, MARKER_FILE), 'utf8'));
  assert.deepEqual(marker.params, { maxDurationS: 15, minDurationS: 15, seed: 3, sessions: 1 });
  const mtime = statSync(join(dir, 'g3-0000.pcap')).mtimeMs;
  const b = await ensureDefaultDataset(dir, small);
  assert.equal(b.generated, false);
  assert.equal(statSync(join(dir, 'g3-0000.pcap')).mtimeMs, mtime);
  const c = await ensureDefaultDataset(dir, { ...small, seed: 4 });
  assert.equal(c.generated, true);
  const d = await readDataset(dir);
  assert.deepEqual(d.sessions.map((s) => s.session_id), ['g4-0000']);
  // Concurrent callers: one generates, the other waits for it.
  const dir2 = join(tmp, 'default2');
  const [x, y] = await Promise.all([ensureDefaultDataset(dir2, small), ensureDefaultDataset(dir2, small)]);
  assert.equal(Number(x.generated) + Number(y.generated), 1);
  assert.equal(DEFAULT_DATASET_PARAMS.sessions, 120);
});
