import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { generateDataset, DatasetSummary } from '../../src/datasets/generator';
import { readDatasetSync, parseSegmentsCsv, SegmentRecord, DatasetLabels, SessionRecord } from '../../src/datasets/labels';
import { scanFile, ScanPacket } from '../../src/datasets/pcapScan';
import { SERVICE_PROFILES, ServiceName, nameMatchesService, ipv4InPrefix, SERVICE_NAMES, BACKGROUND_SITES, BACKGROUND_NAMES } from '../../src/datasets/services';
import { parseTlsClientHelloSni } from '../../src/services/quic/tls';
import { parseClientInitial } from '../../src/services/quic/initial';
import { parseDns, tcpAck, tcpFlags, tcpOptions, tcpSeq } from './helpers';

interface Meta { session_id: string; transport: 'tcp' | 'quic'; startup_threshold_s: number; audio_separate: boolean; segment_s: number; service: ServiceName }

interface Loaded { dir: string; summary: DatasetSummary; d: DatasetLabels; segments: SegmentRecord[]; metas: Map<string, Meta>; packets: Map<string, ScanPacket[]> }

const root = mkdtempSync(join(tmpdir(), 'tr-gen-'));
const sets: Loaded[] = [];

async function load(dir: string, summary: DatasetSummary): Promise<Loaded> {
  const d = readDatasetSync(dir);
  const segments = parseSegmentsCsv(readFileSync(join(dir, 'segments.csv'), 'utf8'));
  const metas = new Map<string, Meta>();
  for (const line of readFileSync(join(dir, 'sessions_meta.jsonl'), 'utf8').trim().split('\n')) { const m = JSON.parse(line) as Meta; metas.set(m.session_id, m); }
  const packets = new Map<string, ScanPacket[]>();
  for (const s of d.sessions) packets.set(s.session_id, scanFile(join(dir, s.capture)));
  return { dir, summary, d, segments, metas, packets };
}

function* allSessions(): Generator<[Loaded, SessionRecord]> {
  for (const l of sets) for (const s of l.d.sessions) yield [l, s];
}

before(async () => {
  // A mixed dataset (all services, both transports, background traffic) and two QUIC YouTube sessions.
  const a = join(root, 'mixed');
  const sa = await generateDataset({ sessions: 7, seed: 7, out: a, minDurationS: 40, maxDurationS: 90 });
  const b = join(root, 'quic');
  const sb = await generateDataset({ sessions: 2, seed: 8, out: b, minDurationS: 40, maxDurationS: 70, services: ['Youtube'], transport: 'quic' });
  const c = join(root, 'tcp');
  const sc = await generateDataset({ sessions: 2, seed: 9, out: c, minDurationS: 40, maxDurationS: 70, services: { Netflix: 1, Amazon: 1 }, transport: 'tcp', access: 'cellular' });
  sets.push(await load(a, sa), await load(b, sb), await load(c, sc));
  const total = sa.sessions + sb.sessions + sc.sessions;
  const ms = sa.elapsedMs + sb.elapsedMs + sc.elapsedMs;
  console.log(`# generated ${total} sessions, ${sa.packets + sb.packets + sc.packets} packets in ${(ms / 1000).toFixed(2)} s (${(total / (ms / 1000)).toFixed(2)} sessions/s)`);
});

after(() => rmSync(root, { recursive: true, force: true }));

function videoFlows(l: Loaded, s: SessionRecord): Map<number, SegmentRecord[]> {
  const m = new Map<number, SegmentRecord[]>();
  for (const g of l.segments) if (g.session_id === s.session_id && g.kind === 'video') {
    if (!m.has(g.flow)) m.set(g.flow, []);
    m.get(g.flow)!.push(g);
  }
  return m;
}

test('the datasets cover both transports and every service', () => {
  const transports = new Set<string>();
  const services = new Set<string>();
  for (const [l, s] of allSessions()) { transports.add(l.metas.get(s.session_id)!.transport); services.add(s.service); }
  assert.deepEqual([...transports].sort(), ['quic', 'tcp']);
  assert.ok(services.size >= 3, [...services].join(','));
});

test('downstream IP bytes of the video connections = segment sizes + per-packet headers (tolerance stated below)', () => {
  // Counted from our own parse of the pcap. Per packet: TCP 40 bytes (IP + TCP, no options on data
  // packets), QUIC 51 bytes (IP 20 + UDP 8 + short header 3 + STREAM frame header 4 + AEAD tag 16).
  // Besides media bytes the connections carry HTTP response headers (< 1 KB per segment), TLS
  // record overhead (22 B per 16 KiB), the TLS/QUIC handshake (< 8 KB per connection) and, for TCP,
  // retransmissions, which we identify by repeated sequence numbers and remove. Tolerance:
  // TCP: 0 <= unique payload - media <= 0.2% of media + 1 KB per segment + 8 KB per connection.
  // QUIC (retransmissions are encrypted): |IP bytes - (media + 51 B per packet)| <= 3% of media.
  for (const [l, s] of allSessions()) {
    const flows = videoFlows(l, s);
    const meta = l.metas.get(s.session_id)!;
    const all = [...flows.values()].flat();
    const media = all.reduce((n, g) => n + g.bytes, 0);
    // A segment still in flight 20 s after the end of the session was cut by the final RST.
    const unfinished = all.filter((g) => !Number.isFinite(g.t_done)).reduce((n, g) => n + g.bytes, 0);
    const nSeg = [...flows.values()].reduce((n, f) => n + f.length, 0);
    let ipBytes = 0, n = 0, unique = 0, retrans = 0;
    const seen = new Set<string>();
    for (const p of l.packets.get(s.session_id)!) {
      if (p.dst !== s.client_ip || !flows.has(p.dstPort)) continue;
      ipBytes += p.ipLength; n++;
      if (meta.transport === 'tcp' && p.payloadLength > 0) {
        const k = `${p.dstPort}:${tcpSeq(p)}`;
        if (seen.has(k)) retrans += p.payloadLength; else { seen.add(k); unique += p.payloadLength; }
      }
    }
    assert.ok(media > 0 && n > 0, s.session_id);
    if (meta.transport === 'tcp') {
      const extra = unique - media;
      const limit = 0.002 * media + 1000 * nSeg + 8000 * flows.size;
      assert.ok(extra >= -unfinished && extra <= limit, `${s.session_id}: unique payload ${unique} vs media ${media} (extra ${extra}, limit ${limit})`);
      assert.equal(ipBytes, unique + retrans + 40 * n + 8 * flows.size /* SYN-ACK options */);
    } else {
      const rel = (ipBytes - (media + 51 * n)) / media;
      assert.ok(rel >= -0.03 - unfinished / media && rel <= 0.03, `${s.session_id}: IP bytes ${ipBytes}, media ${media}, packets ${n}, relative difference ${rel}`);
    }
  }
});

test('each segment is one upstream request followed by its downstream burst on the same flow', () => {
  for (const [l, s] of allSessions()) {
    const meta = l.metas.get(s.session_id)!;
    const segsByFlow = new Map<number, SegmentRecord[]>();
    for (const g of l.segments) if (g.session_id === s.session_id) {
      if (!segsByFlow.has(g.flow)) segsByFlow.set(g.flow, []);
      segsByFlow.get(g.flow)!.push(g);
    }
    for (const [flow, segs] of segsByFlow) {
      const up = l.packets.get(s.session_id)!.filter((p) => p.src === s.client_ip && p.srcPort === flow);
      // Upstream packets with payload: TLS ClientHello + Finished, or 2 QUIC handshake datagrams, then one per request.
      const threshold = meta.transport === 'quic' ? 100 : 0;
      const requests = up.filter((p) => p.payloadLength > threshold);
      assert.equal(requests.length, segs.length + 2, `${s.session_id} flow ${flow}`);
      const reqTimes = requests.slice(2).map((p) => p.ts - s.start_ts);
      segs.forEach((g, i) => assert.ok(Math.abs(reqTimes[i] - g.t_request) < 2e-6, `${s.session_id} flow ${flow} request ${i}: ${reqTimes[i]} vs ${g.t_request}`));
      if (meta.transport !== 'tcp') continue;
      // Unique downstream payload between consecutive requests (in capture order) = that segment's response.
      const reqSet = new Set(requests.slice(2));
      const burst = new Array(segs.length).fill(0);
      const seen = new Set<number>();
      let k = 0;
      for (const p of l.packets.get(s.session_id)!) {
        if (reqSet.has(p)) { k++; continue; }
        if (k === 0 || p.dst !== s.client_ip || p.dstPort !== flow || p.proto !== 6 || p.payloadLength === 0) continue;
        const seq = tcpSeq(p);
        if (seen.has(seq)) continue;
        seen.add(seq);
        burst[k - 1] += p.payloadLength;
      }
      segs.forEach((g, i) => {
        // + HTTP response header (< 800 B), TLS record overhead (22 B per 16 KiB), session tickets after the first request.
        assert.ok(burst[i] >= g.bytes && burst[i] <= g.bytes + 1000 + 22 * Math.ceil(g.bytes / 16384) + (i === 0 ? 600 : 0), `${s.session_id} flow ${flow} segment ${i}: burst ${burst[i]} vs ${g.bytes}`);
      });
    }
  }
});

test('TCP headers: handshake options, cumulative ACKs, retransmissions reuse sequence numbers, FIN at the end', () => {
  let checkedAcks = 0, retransmissions = 0;
  for (const [l, s] of allSessions()) {
    if (l.metas.get(s.session_id)!.transport !== 'tcp') continue;
    for (const flow of videoFlows(l, s).keys()) {
      const pk = l.packets.get(s.session_id)!.filter((p) => p.proto === 6 && ((p.src === s.client_ip && p.srcPort === flow) || (p.dst === s.client_ip && p.dstPort === flow)));
      const syn = pk[0];
      assert.equal(tcpFlags(syn) & 0x12, 0x02, 'first packet is the SYN');
      const opts = tcpOptions(syn);
      assert.ok(opts.includes(2) && opts[0] === 2 && opts[1] === 4, 'MSS option');
      assert.ok([...opts].some((b, i) => b === 3 && opts[i + 1] === 3), 'window scale option');
      const synack = pk.find((p) => (tcpFlags(p) & 0x12) === 0x12)!;
      const base = (tcpSeq(synack) + 1) >>> 0;
      let rcvNxt = 0;
      const ooo: [number, number][] = [];
      const segAt = new Map<number, number>();
      for (const p of pk) {
        const fl = tcpFlags(p);
        if (p.dst === s.client_ip && (fl & 0x01)) rcvNxt += 1; // the server's FIN takes one sequence number
        if (p.dst === s.client_ip && p.payloadLength > 0) {
          const off = (tcpSeq(p) - base + 4294967296) % 4294967296;
          if (segAt.has(off)) { assert.equal(segAt.get(off), p.payloadLength, 'retransmission with the same length'); retransmissions++; }
          else if (off < rcvNxt && !segAt.has(off)) assert.fail(`segment at ${off} overlaps without matching an earlier segment`);
          segAt.set(off, p.payloadLength);
          if (off === rcvNxt) {
            rcvNxt += p.payloadLength;
            ooo.sort((x, y) => x[0] - y[0]);
            while (ooo.length && ooo[0][0] <= rcvNxt) rcvNxt = Math.max(rcvNxt, ooo.shift()![1]);
          } else if (off > rcvNxt) ooo.push([off, off + p.payloadLength]);
        } else if (p.src === s.client_ip && (fl & 0x10) && !(fl & 0x05)) {
          if (p.payloadLength === 0 && (fl & 0x02) === 0 && rcvNxt > 0) {
            assert.equal((tcpAck(p) - base + 4294967296) % 4294967296, rcvNxt, `${s.session_id} flow ${flow}: cumulative ACK`);
            checkedAcks++;
          }
        }
      }
      assert.ok(pk.some((p) => p.src === s.client_ip && (tcpFlags(p) & 0x01)), `${s.session_id} flow ${flow}: client FIN`);
      // ACK clocking: one ACK per one or two data segments.
      const dataPk = pk.filter((p) => p.dst === s.client_ip && p.payloadLength > 0).length;
      const acks = pk.filter((p) => p.src === s.client_ip && p.payloadLength === 0).length;
      assert.ok(acks >= dataPk / 2.2 && acks <= dataPk * 1.05 + 10, `${s.session_id} flow ${flow}: ${acks} ACKs for ${dataPk} segments`);
    }
  }
  assert.ok(checkedAcks > 1000, `checked ${checkedAcks} ACKs`);
  assert.ok(retransmissions > 0, 'the lossy sessions retransmit');
});

test('startup delay = the instant the buffer first reached the startup threshold; labels agree', () => {
  for (const [l, s] of allSessions()) {
    const meta = l.metas.get(s.session_id)!;
    const segs = l.segments.filter((g) => g.session_id === s.session_id && Number.isFinite(g.t_done)).sort((x, y) => x.t_done - y.t_done);
    const v = new Set<number>(), a = new Set<number>();
    let reached = NaN;
    for (const g of segs) {
      (g.kind === 'video' ? v : a).add(g.index);
      let cv = 0; while (v.has(cv)) cv++;
      let ca = 0; while (a.has(ca)) ca++;
      const buffered = (meta.audio_separate ? Math.min(cv, ca) : cv) * g.duration_s;
      if (buffered >= meta.startup_threshold_s - 1e-9) { reached = g.t_done; break; }
    }
    assert.ok(Math.abs(reached - s.startup_delay_s) < 1.5e-3, `${s.session_id}: threshold reached at ${reached}, startup_delay_s ${s.startup_delay_s}`);
    const labels = l.d.labels.filter((x) => x.session_id === s.session_id);
    assert.equal(labels.length, s.duration_s);
    const k = Math.floor(s.startup_delay_s);
    for (const r of labels.filter((x) => x.t < k)) {
      assert.equal(r.state, 'startup', `${s.session_id} t=${r.t}`);
      assert.ok(r.buffer_s < meta.startup_threshold_s, `${s.session_id} t=${r.t}: buffer ${r.buffer_s} before startup`);
    }
    const firstPlaying = labels.find((x) => x.state === 'playing')!;
    assert.ok(firstPlaying.t === k || firstPlaying.t === k + 1, `${s.session_id}: first playing second ${firstPlaying.t}, startup ${s.startup_delay_s}`);
  }
});

test('resolution labels change only at segment boundaries', () => {
  let changes = 0;
  for (const [l, s] of allSessions()) {
    const played = l.segments.filter((g) => g.session_id === s.session_id && g.kind === 'video' && g.t_play !== null).sort((x, y) => x.t_play! - y.t_play!);
    const labels = l.d.labels.filter((x) => x.session_id === s.session_id);
    let prev: number | null = null;
    for (const r of labels) {
      if (r.resolution === null) continue;
      // The label is the height of a segment played in that second (or of the one playing since before).
      const candidates = new Set(played.filter((g) => g.t_play! >= r.t && g.t_play! < r.t + 1).map((g) => g.resolution));
      const before = played.filter((g) => g.t_play! < r.t).pop();
      if (before) candidates.add(before.resolution);
      assert.ok(candidates.has(r.resolution), `${s.session_id} t=${r.t}: label ${r.resolution} not among ${[...candidates]}`);
      if (prev !== null && r.resolution !== prev) {
        changes++;
        const boundary = played.some((g) => g.t_play! > r.t - 1 && g.t_play! < r.t + 1 && g.resolution === r.resolution);
        assert.ok(boundary, `${s.session_id} t=${r.t}: resolution ${prev} -> ${r.resolution} without a segment boundary`);
      }
      prev = r.resolution;
    }
  }
  assert.ok(changes > 0, 'some sessions switch resolution');
});

test('DNS answers before the first connection, inside the service prefixes; background names never match a service', () => {
  for (const [l, s] of allSessions()) {
    const profile = SERVICE_PROFILES[s.service as ServiceName];
    const pk = l.packets.get(s.session_id)!;
    assert.equal(pk[0].srcPort === 53 || pk[0].dstPort === 53, true, 'the capture starts with a DNS query');
    assert.ok(Math.abs(pk[0].ts - s.start_ts) < 1e-6, 'start_ts is the first packet');
    const answered = new Map<string, number>();
    let serviceAnswers = 0;
    for (const p of pk) {
      if (p.proto !== 17 || p.srcPort !== 53) continue;
      const m = parseDns(p.data.subarray(p.payloadOffset));
      assert.ok(m.response);
      const owner = SERVICE_NAMES.filter((n) => nameMatchesService(m.qname, SERVICE_PROFILES[n]));
      const a = m.answers.filter((x) => x.type === 1).map((x) => x.data);
      if (owner.length === 0) continue;
      assert.deepEqual(owner, [s.service], `${s.session_id}: ${m.qname} belongs to ${owner}`);
      for (const ip of a) {
        assert.ok([...profile.prefixes, ...profile.webPrefixes].some((pre) => ipv4InPrefix(ip, pre)), `${m.qname} -> ${ip} outside ${profile.name} prefixes`);
        if (!answered.has(ip)) answered.set(ip, p.ts);
      }
      serviceAnswers++;
    }
    assert.ok(serviceAnswers >= 2, `${s.session_id}: web and video lookups`);
    for (const flow of videoFlows(l, s).keys()) {
      const first = pk.find((p) => p.src === s.client_ip && p.srcPort === flow)!;
      assert.ok(answered.has(first.dst) && answered.get(first.dst)! < first.ts, `${s.session_id}: video server ${first.dst} resolved before the connection`);
      assert.ok(profile.prefixes.some((pre) => ipv4InPrefix(first.dst, pre)), `video server ${first.dst} in the CDN prefixes`);
    }
  }
  for (const site of BACKGROUND_SITES) for (const h of [site.host, ...(site.sub ?? [])]) for (const n of SERVICE_NAMES) assert.ok(!nameMatchesService(h, SERVICE_PROFILES[n]), h);
  for (const h of BACKGROUND_NAMES) for (const n of SERVICE_NAMES) assert.ok(!nameMatchesService(h, SERVICE_PROFILES[n]), h);
});

test('headers-only capture: DNS, ClientHello and QUIC Initial whole (SNI readable), the rest cut at the snaplen', () => {
  for (const [l, s] of allSessions()) {
    const meta = l.metas.get(s.session_id)!;
    let hellos = 0, initials = 0, cut = 0, others = 0;
    const snis = new Set<string>();
    for (const p of l.packets.get(s.session_id)!) {
      const pay = p.payloadOffset >= 0 ? p.data.subarray(p.payloadOffset) : new Uint8Array(0);
      if (p.proto === 17 && (p.srcPort === 53 || p.dstPort === 53)) { assert.equal(p.caplen, p.wirelen); continue; }
      if (p.proto === 6 && p.srcPort !== 443 && pay.length > 5 && pay[0] === 0x16 && pay[1] === 3 && pay[5] === 1) {
        assert.equal(p.caplen, p.wirelen, 'ClientHello kept whole');
        const r = parseTlsClientHelloSni(pay);
        assert.ok(r.sni, JSON.stringify(r));
        snis.add(r.sni!);
        hellos++;
        continue;
      }
      if (p.proto === 17 && p.dstPort === 443 && pay.length > 0 && (pay[0] & 0xf0) === 0xc0) {
        assert.equal(p.caplen, p.wirelen, 'client Initial kept whole');
        const r = parseClientInitial(pay);
        if (!('error' in r) && r.sni) { snis.add(r.sni); initials++; }
        continue;
      }
      if (p.caplen < p.wirelen) cut++;
      else others++;
      if (p.proto === 6 || (p.proto === 17 && (p.srcPort === 443 || p.dstPort === 443))) assert.ok(p.caplen <= 96 || p.srcPort === 443 && p.proto === 17, `caplen ${p.caplen}`);
    }
    assert.ok(cut > others, `${s.session_id}: most packets are truncated`);
    if (meta.transport === 'quic') assert.ok(initials >= 2, `${s.session_id}: QUIC Initials with SNI`);
    else assert.ok(hellos >= 2);
    assert.ok([...snis].some((n) => nameMatchesService(n, SERVICE_PROFILES[s.service as ServiceName])), `${s.session_id}: a service SNI among ${[...snis]}`);
  }
});

test('background traffic: other clients and non-video flows are present', () => {
  const [l] = sets;
  let extraConnections = 0;
  for (const s of l.d.sessions) {
    const pk = l.packets.get(s.session_id)!;
    const hosts = new Set<string>();
    for (const p of pk) if (p.ipVersion === 4) for (const a of [p.src, p.dst]) if (/^(192\.168|10\.)/.test(a)) hosts.add(a);
    hosts.delete(s.client_ip);
    assert.ok(hosts.size >= 1, `${s.session_id}: other LAN clients`);
    const ports = new Set(pk.filter((p) => p.src === s.client_ip && p.proto === 6).map((p) => p.srcPort));
    extraConnections += ports.size - videoFlows(l, s).size;
    assert.ok(pk.some((p) => p.src !== s.client_ip && p.dst !== s.client_ip && p.proto === 6), `${s.session_id}: TCP traffic of other clients`);
  }
  assert.ok(extraConnections > 3 * l.d.sessions.length, `${extraConnections} non-video connections of the video clients`);
});

test('same seed -> byte-identical files; different seed -> different captures', async () => {
  const a = join(root, 'det-a'), b = join(root, 'det-b'), c = join(root, 'det-c');
  await generateDataset({ sessions: 2, seed: 11, out: a, minDurationS: 20, maxDurationS: 40 });
  await generateDataset({ sessions: 2, seed: 11, out: b, minDurationS: 20, maxDurationS: 40 });
  await generateDataset({ sessions: 2, seed: 12, out: c, minDurationS: 20, maxDurationS: 40 });
  const files = readdirSync(a).sort();
  assert.deepEqual(readdirSync(b).sort(), files);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between two runs`);
  const pa = files.filter((f) => f.endsWith('.pcap')).map((f) => readFileSync(join(a, f)));
  const pc = readdirSync(c).filter((f) => f.endsWith('.pcap')).sort().map((f) => readFileSync(join(c, f)));
  assert.equal(pc.length, pa.length);
  pa.forEach((x, i) => assert.ok(!x.equals(pc[i])));
  // A slice generated alone is identical to the same sessions inside a larger run.
  const d = join(root, 'det-d');
  await generateDataset({ sessions: 1, seed: 11, out: d, minDurationS: 20, maxDurationS: 40, firstIndex: 1 });
  assert.ok(readFileSync(join(d, 'g11-0001.pcap')).equals(readFileSync(join(a, 'g11-0001.pcap'))));
});

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'ignore'] });
}

const hasTshark = (() => { try { execFileSync('tshark', ['--version'], { stdio: 'ignore' }); return true; } catch { return false; } })();

test('tshark decodes the TLS and QUIC SNI and the DNS names', { skip: hasTshark ? false : 'tshark not installed (apt-get install tshark)' }, () => {
  // One TCP and one QUIC session (tshark is slow: ~50k packets/s).
  const picks: [Loaded, SessionRecord][] = [];
  for (const want of ['tcp', 'quic']) {
    const found = [...allSessions()].filter(([l, s]) => l.metas.get(s.session_id)!.transport === want).sort((x, y) => x[1].duration_s - y[1].duration_s)[0];
    if (found) picks.push(found);
  }
  assert.equal(picks.length, 2);
  for (const [l, s] of picks) {
    const f = join(l.dir, s.capture);
    const rows = tshark(['-r', f, '-Y', 'tls.handshake.type == 1 || (dns.flags.response == 1 && udp.port == 53) || _ws.malformed', '-T', 'fields',
      '-e', 'tls.handshake.extensions_server_name', '-e', 'dns.qry.name', '-e', 'quic.long.packet_type', '-e', '_ws.malformed', '-E', 'separator=|']).split('\n').filter(Boolean).map((r) => r.split('|'));
    const sni = new Set(rows.map((r) => r[0]).filter(Boolean));
    const quicSni = new Set(rows.filter((r) => r[2] !== '').map((r) => r[0]).filter(Boolean));
    const dns = new Set(rows.map((r) => r[1]).filter(Boolean));
    const profile = SERVICE_PROFILES[s.service as ServiceName];
    const svcDns = [...dns].filter((n) => nameMatchesService(n, profile));
    assert.ok(svcDns.length >= 2, `${s.session_id}: tshark DNS names ${[...dns]}`);
    for (const n of svcDns) assert.ok(sni.has(n), `${s.session_id}: tshark sees SNI ${n} (${[...sni]})`);
    if (l.metas.get(s.session_id)!.transport === 'quic') assert.ok([...quicSni].some((n) => nameMatchesService(n, profile)), `${s.session_id}: QUIC Initial SNI via tshark: ${[...quicSni]}`);
    assert.equal(rows.filter((r) => r[3]).length, 0, `${s.session_id}: malformed frames`);
  }
});
