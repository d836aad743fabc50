import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { AhoCorasick } from '../../src/services/ahoCorasick';
import { PrefixMatcher } from '../../src/services/prefixMatcher';
import { parseDns } from '../../src/services/dns';
import { parseAddress } from '../../src/flows/address';
import { extractTable } from '../../src/pipeline/extract';
import { loadConfig, normalizeConfig, ConfigError } from '../../src/config/config';
import { FeatureTable } from '../../src/output/table';
import { Pipeline } from '../../src/pipeline/pipeline';
import { buildClientHello, tlsRecord, TLS_CONTENT_HANDSHAKE } from '../../src/services/quic/tls';
import { tcp4Frame, TcpFlag } from '../../src/datasets/packets';
import { batchOf, sharedData, SHARED_MISSING } from '../helpers';
import { readCaptureSync } from '../../src/capture/reader';

test('Aho–Corasick finds contained strings, case-insensitively, smallest id first', () => {
  const ac = new AhoCorasick();
  ['googlevideo.com', 'ytimg.com', 'nflxvideo.net', 'video', 'he', 'she', 'hers'].forEach((s, i) => ac.add(s, i));
  ac.build();
  assert.equal(ac.match('r3---sn-abc.GoogleVideo.com'), 0);
  assert.equal(ac.match('i.ytimg.com'), 1);
  assert.equal(ac.match('ipv4-c001.1.nflxvideo.net'), 2);
  assert.equal(ac.match('myvideo.org'), 3);
  assert.equal(ac.match('ushers'), 4, 'he (4), she (5) and hers (6) all occur: smallest id wins');
  assert.equal(ac.match('example.org'), -1);
  // Brute-force agreement on random words.
  const pats = ['ab', 'bca', 'cab', 'aaa', 'bb', 'cbc'];
  const ac2 = new AhoCorasick();
  pats.forEach((p, i) => ac2.add(p, i));
  let seed = 3;
  for (let n = 0; n < 2000; n++) {
    let w = '';
    for (let i = 0; i < 12; i++) { seed = (seed * 16807) % 2147483647; w += 'abc'[seed % 3]; }
    const expect = pats.findIndex((p) => w.includes(p));
    assert.equal(ac2.match(w), expect, w);
  }
});

test('longest-prefix match for IPv4 and IPv6, every prefix of a service counts', () => {
  const m = new PrefixMatcher();
  m.add('23.246.0.0/18', 1);
  m.add('23.246.32.0/20', 2);
  m.add('45.57.0.0/17', 3);
  m.add('2a00:86c0::/32', 4);
  m.add('2620:10c:7000::/44', 5);
  const look = (a: string) => { const p = parseAddress(a)!; return m.lookup(p.bytes, 0, p.version); };
  assert.equal(look('23.246.1.1'), 1);
  assert.equal(look('23.246.33.1'), 2);
  assert.equal(look('45.57.100.1'), 3, 'a later prefix of the service matches too (the original only tried the first)');
  assert.equal(look('45.57.200.1'), -1);
  assert.equal(look('2a00:86c0:1::5'), 4);
  assert.equal(look('2620:10c:700f::1'), 5);
  assert.equal(look('2620:10c:7010::1'), -1);
  assert.throws(() => m.add('1.2.3.4/33', 0), /length must be 0..32/);
});

test('DNS parser: compression pointers, CNAME chains, loops and truncation never throw', () => {
  // Response: question www.example.com A; answers: CNAME -> cdn.example.net, A 1.2.3.4.
  const name = (s: string) => [...s.split('.').flatMap((l) => [l.length, ...Buffer.from(l)]), 0];
  const msg = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 0,
    ...name('www.example.com'), 0, 1, 0, 1,
    0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 60, 0, 17, ...name('cdn.example.net'),
    0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4];
  const buf = Uint8Array.from(msg);
  const r = parseDns(buf, 0, buf.length);
  assert.ok(r.ok);
  if (!r.ok) return;
  assert.deepEqual(r.message.questions, ['www.example.com']);
  assert.equal(r.message.answers[0].target, 'cdn.example.net');
  assert.equal(r.message.answers[1].name, 'cdn.example.net');
  assert.deepEqual([...r.message.answers[1].address!], [1, 2, 3, 4]);
  // A pointer to itself is a loop.
  const loop = Uint8Array.from([0, 0, 0x81, 0x80, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1]);
  assert.deepEqual(parseDns(loop, 0, loop.length), { ok: false, reason: 'compression pointer loop' });
  for (let cut = 0; cut < buf.length; cut++) parseDns(buf, 0, cut); // must not throw
});

test('DNS-learned service mapping on short_dns.pcap', (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  // short_dns.pcap holds nine DNS responses (netflix.com, googlevideo.com, example.com, ...);
  // flows that follow to the answered addresses must take the service of the query.
  const config = loadConfig(join(data, 'traffic-refinery', 'trconfig_default.json'));
  const table = new FeatureTable('flow');
  const p = new Pipeline({ config, bins: [10], sink: table });
  readCaptureSync(join(data, 'traffic-refinery', 'short_dns.pcap'), (b) => p.processBatch(b));
  assert.equal(p.services.dnsResponses, 9);
  assert.equal(p.services.dnsLearned, 9, '8 Netflix answers + 1 googlevideo answer');
  const ts = p.captureTime + 1;
  p.processBatch(batchOf([
    { ts, data: tcp4Frame('192.168.1.1', '52.210.97.28', { srcPort: 50001, dstPort: 443, flags: TcpFlag.SYN }) },
    { ts, data: tcp4Frame('192.168.1.1', '216.58.213.78', { srcPort: 50002, dstPort: 443, flags: TcpFlag.SYN }) },
    { ts, data: tcp4Frame('192.168.1.1', '93.184.216.34', { srcPort: 50003, dstPort: 443, flags: TcpFlag.SYN }) },
  ]));
  p.finish();
  const rows = table.toRows().filter((r) => r.remote_port === 443);
  const byRemote = Object.fromEntries(rows.map((r) => [r.remote_ip, [r.service, r.categorized_by]]));
  assert.deepEqual(byRemote['52.210.97.28'], ['Netflix', 'dns']);
  assert.deepEqual(byRemote['216.58.213.78'], ['Youtube', 'dns']);
  assert.equal(byRemote['93.184.216.34'], undefined, 'example.com is no configured service');
  assert.equal(p.stats.unservedPackets, 1 + 9, 'the example.com SYN and the DNS responses themselves');
});

test('SNI categorizes a TLS flow that DNS did not see', () => {
  const config = normalizeConfig({ Services: [{ Name: 'Netflix', Filter: { DomainsString: ['nflxvideo.net'] }, Collect: ['PacketCounters'] }] });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ config, bins: [10], sink: table });
  const c = '192.168.1.5', s = '203.0.113.7';
  const hello = tlsRecord(TLS_CONTENT_HANDSHAKE, buildClientHello('ipv4-c012.1.lhr001.ix.nflxvideo.net'));
  p.processBatch(batchOf([
    { ts: 100, data: tcp4Frame(c, s, { srcPort: 50000, dstPort: 443, flags: TcpFlag.SYN }) },
    { ts: 100.01, data: tcp4Frame(s, c, { srcPort: 443, dstPort: 50000, flags: TcpFlag.SYN | TcpFlag.ACK }) },
    { ts: 100.02, data: tcp4Frame(c, s, { srcPort: 50000, dstPort: 443 }) },
    { ts: 100.03, data: tcp4Frame(c, s, { srcPort: 50000, dstPort: 443, flags: TcpFlag.PSH | TcpFlag.ACK }, hello) },
    { ts: 100.05, data: tcp4Frame(s, c, { srcPort: 443, dstPort: 50000 }, new Uint8Array(1200)) },
  ]));
  p.finish();
  assert.equal(table.length, 1);
  assert.equal((table.column('service') as string[])[0], 'Netflix');
  assert.equal((table.column('categorized_by') as string[])[0], 'sni');
  // Counted from the ClientHello on: the handshake came before the flow had a service.
  assert.equal((table.column('PacketCounters.OutPackets') as Float64Array)[0], 1);
  assert.equal((table.column('PacketCounters.InPackets') as Float64Array)[0], 1);
  assert.equal(p.stats.unservedPackets, 3);
});

test('every real config of the original loads, including the 1.4 MB ads list', (t) => {
  const data = sharedData();
  if (!data) { t.skip(SHARED_MISSING); return; }
  const dir = join(data, 'traffic-refinery');
  const files = readdirSync(dir).filter((f) => /^trconfig_.*\.json$/.test(f));
  assert.ok(files.length >= 5);
  for (const f of files) {
    const c = loadConfig(join(dir, f));
    assert.ok(c.services.length > 0, f);
    assert.equal(c.flowEvictSeconds, 600, f);
  }
  const ads = loadConfig(join(dir, 'trconfig_ads.json'));
  const p = new Pipeline({ config: ads, sink: new FeatureTable('flow') });
  assert.ok(p.services.matchName('pagead2.googlesyndication.com') >= 0 || p.services.matchName('doubleclick.net') >= 0);
  const replay = loadConfig(join(dir, 'trconfig_replay.json'));
  assert.deepEqual(replay.localMacs, ['e4:ce:8f:01:4c:54']);
});

test('a bad config names the field, the value and what was expected', () => {
  const bad = (cfg: unknown, re: RegExp) => assert.throws(() => normalizeConfig(cfg, 'my.json'), (e: unknown) => e instanceof ConfigError && re.test((e as Error).message));
  bad({ Services: [{ Name: 'x', Collect: ['NoSuchClass'] }] }, /my\.json: Services\.0\.Collect\[0\]: unknown feature class or preset "NoSuchClass"/);
  bad({ Services: [{ Name: 'x', Collect: ['PacketCounters'], Filter: { Prefixes: ['1.2.3.0/40'] } }] }, /Services\.0\.Filter\.Prefixes\.0: .*length/);
  bad({ Services: [{ Name: 'x', Collect: ['PacketCounters'], Filter: { DomainsRegex: ['(('] } }] }, /Services\.0\.Filter\.DomainsRegex\.0/);
  bad({ FlowCache: { EvictTime: 'soon' } }, /FlowCache\.EvictTime: .*expected number.*got "soon"/);
  bad({ Bins: [0] }, /Bins\.0/);
  bad({ Services: [{ Name: 'x', Collect: [] }] }, /Services\.0\.Collect/);
  bad({ Services: [{ Name: 'a', Collect: ['PacketCounters'] }, { Name: 'a', Collect: ['PacketCounters'] }] }, /defined twice/);
});

test('Google QUIC: the SNI of a clear-text CHLO categorizes the flow; malformed tag tables give nothing', () => {
  const { gquicChloSni } = require('../../src/services/gquic') as typeof import('../../src/services/gquic');
  const host = 'r4---sn-ab5l6nze.googlevideo.com';
  const le16 = (v: number) => [v & 0xff, v >> 8];
  const le32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >>> 24];
  const pad = 10;
  const chlo = [...Buffer.from('CHLO'), ...le16(2), 0, 0, ...Buffer.from('PAD\0'), ...le32(pad), ...Buffer.from('SNI\0'), ...le32(pad + host.length),
    ...new Array(pad).fill(0x2d), ...Buffer.from(host)];
  const header = [0x0d, 1, 2, 3, 4, 5, 6, 7, 8, ...Buffer.from('Q043'), 0x01, ...new Array(12).fill(0), 0xa0, 0x01, ...le16(chlo.length)];
  const payload = Uint8Array.from([...header, ...chlo]);
  assert.equal(gquicChloSni(payload, 0, payload.length), host);
  const broken = payload.slice(); broken[header.length + 16 + 4] = 0xff; // SNI end offset below the previous one... out of range
  assert.equal(gquicChloSni(broken, 0, broken.length), null);
  for (let cut = 0; cut < payload.length; cut++) gquicChloSni(payload, 0, cut); // never throws

  const config = normalizeConfig({ Services: [{ Name: 'Youtube', Filter: { DomainsString: ['googlevideo.com'] }, Collect: ['PacketCounters'] }] });
  const table = new FeatureTable('flow');
  const p = new Pipeline({ config, bins: [10], sink: table });
  const { udp4Frame } = require('../../src/datasets/packets') as typeof import('../../src/datasets/packets');
  p.processBatch(batchOf([
    { ts: 5, data: udp4Frame('192.168.1.9', '172.217.1.1', 50123, 443, payload) },
    { ts: 5.02, data: udp4Frame('172.217.1.1', '192.168.1.9', 443, 50123, new Uint8Array(1200)) },
  ]));
  p.finish();
  const rows = table.toRows();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].service, 'Youtube');
  assert.equal(rows[0].categorized_by, 'quic-sni');
});
