/**
 * One generated video session: the player (startup, ABR, stalls, pauses, seeks), its connections
 * (web page, video and audio segment connections, telemetry, live playlist), background traffic,
 * and the per-second labels derived from the player's exact state timeline.
 */
import { Rng } from './rng';
import { Sim, Link, CaptureBuffer, RandomPool, SessionContext, ClientHost, Conn, dnsLookup } from './sim';
import { makeNetwork, NetworkPath, AccessKind } from './network';
import { SERVICE_PROFILES, ServiceName, HostSpec, randomIpInPrefix } from './services';
import { startBackground, startLanChatter, Resolver } from './background';
import { LabelRecord, PlayState, SegmentRecord, SessionRecord } from './labels';

export interface SessionSpec {
  seed: number;
  index: number;
  sessionId: string;
  service?: ServiceName;
  /** Label duration in whole seconds. */
  durationS: number;
  /** Epoch seconds of t = 0. */
  epoch: number;
  snaplen: number;
  background: boolean;
  otherClients: readonly [number, number];
  access?: AccessKind;
  /** Force the transport of the video connections. */
  transport?: 'tcp' | 'quic';
  /** Probability of a user pause / a seek in a session. */
  pauseProbability: number;
  seekProbability: number;
}

export interface SessionMeta {
  session_id: string;
  service: ServiceName;
  transport: 'tcp' | 'quic';
  access: AccessKind;
  median_mbps: number;
  mean_mbps: number;
  rtt_ms: number;
  loss: number;
  queue_ms: number;
  segment_s: number;
  ladder: number[];
  device_max_height: number;
  startup_threshold_s: number;
  max_buffer_s: number;
  video_connections: number;
  audio_separate: boolean;
  pauses: number;
  seeks: number;
  stalls: number;
  retransmits: number;
  bottleneck_drops: number;
  random_losses: number;
  packets: number;
  video_server: string;
  web_server: string;
}

export interface SessionOutput {
  pcap: Uint8Array;
  session: Omit<SessionRecord, 'capture'>;
  labels: LabelRecord[];
  segments: SegmentRecord[];
  meta: SessionMeta;
  events: number;
}

const MAC_PREFIXES = ['3c:22:fb', 'a4:83:e7', 'f0:18:98', 'dc:a6:32', '00:1a:11', '64:16:66', 'b8:27:eb', '2c:f0:5d', '50:ed:3c', '8c:85:90'];

function macFor(rng: Rng): string {
  const b = rng.bytes(3);
  return `${rng.pick(MAC_PREFIXES)}:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

export function simulateSession(spec: SessionSpec): SessionOutput {
  const root = new Rng(spec.seed, spec.index);
  const service: ServiceName = spec.service ?? root.weighted([['Youtube', 0.4], ['Netflix', 0.25], ['Amazon', 0.2], ['Twitch', 0.15]] as const);
  const profile = SERVICE_PROFILES[service];
  const durationS = spec.durationS;
  const prng = root.fork(11); // player / content
  const net: NetworkPath = makeNetwork(root.fork(12), durationS + 240, spec.access);
  const sim = new Sim();
  const link = new Link(sim, root.fork(13), net.capacity, net.loss, net.queueDelay, net.lan);
  const cap = new CaptureBuffer(spec.epoch, spec.snaplen);
  const crng = root.fork(14); // connections / wire details
  const ctx: SessionContext = { sim, link, cap, rng: crng, pool: new RandomPool(root.fork(15)), snaplen: spec.snaplen, gatewayMac: macFor(root), endTime: durationS, conns: [] };

  // --- hosts -------------------------------------------------------------------------------
  const subnet = root.pick(['192.168.1', '192.168.0', '192.168.178', '10.0.0', '10.0.1', '192.168.86']);
  const hostIds = new Set<number>();
  const newHost = (ttl: number): ClientHost => {
    let id = root.int(2, 250);
    while (hostIds.has(id)) id = root.int(2, 250);
    hostIds.add(id);
    return { ip: `${subnet}.${id}`, mac: macFor(root), ttl, nextPort: root.int(33000, 58000), ipId: root.int(0, 0xffff) };
  };
  const client = newHost(root.pick([64, 64, 128]));
  const resolver: Resolver = root.bool(0.6)
    ? { ip: `${subnet}.1`, rtt: 2 * net.lan + root.uniform(0.002, 0.03) }
    : { ip: root.pick(['8.8.8.8', '1.1.1.1', '9.9.9.9', '208.67.222.222']), rtt: 2 * net.lan + net.rtt + root.uniform(0.002, 0.02) };

  // --- content and player parameters --------------------------------------------------------
  const D = prng.pick(profile.segmentSeconds);
  const deviceMax = prng.weighted([[480, 0.1], [720, 0.25], [1080, 0.45], [1440, 0.08], [2160, 0.12]] as const);
  const hasUhd = prng.bool(profile.uhdShare);
  let ladder = profile.ladder.filter((r) => (r.height < 2160 || hasUhd) && (r.height !== 1440 || hasUhd) && r.height <= deviceMax);
  if (ladder.length === 0) ladder = [profile.ladder[0]];
  const audioKbps = prng.pick(profile.audioKbps);
  const audioSeparate = audioKbps > 0;
  const startupThreshold = prng.uniform(profile.startupBufferS[0], profile.startupBufferS[1]);
  const maxBuffer = prng.uniform(profile.maxBufferS[0], profile.maxBufferS[1]);
  const nVideoConns = prng.int(profile.videoConnections[0], profile.videoConnections[1]);
  const transport: 'tcp' | 'quic' = spec.transport ?? (prng.bool(profile.quicShare) ? 'quic' : 'tcp');
  // Scene complexity: AR(1) in log space per segment index, shared by all renditions (VBR).
  const complexity: number[] = [];
  const noise: number[] = [];
  const crngContent = prng.fork(21);
  let logc = crngContent.normal(0, 0.3);
  const sizeOf = (index: number, kbps: number): number => {
    while (complexity.length <= index) {
      logc = 0.85 * logc + crngContent.normal(0, 0.3 * Math.sqrt(1 - 0.85 * 0.85));
      complexity.push(Math.exp(logc - 0.045));
      noise.push(crngContent.normal(0, 1));
    }
    return Math.max(2000, Math.round((kbps * 1000 / 8) * D * complexity[index] * (1 + 0.06 * noise[index])));
  };
  const audioSize = (index: number): number => {
    sizeOf(index, 1);
    return Math.round((audioKbps * 1000 / 8) * D * (1 + 0.03 * noise[index]));
  };

  // --- servers ------------------------------------------------------------------------------
  const webSpec: HostSpec = profile.webHost(crng);
  const webIp = randomIpInPrefix(crng, webSpec.prefix);
  const videoSpec: HostSpec = profile.videoHost(crng);
  const videoIps = [randomIpInPrefix(crng, videoSpec.prefix)];
  if (crng.bool(0.3)) videoIps.push(randomIpInPrefix(crng, videoSpec.prefix));
  const cdnRtt = net.rtt + crng.uniform(0.001, 0.012);
  const webRtt = net.rtt + crng.uniform(0.005, 0.06);
  const serverTtl = profile.serverTtl - crng.int(4, 14);
  const serverMss = crng.pick(profile.serverMss);

  // --- player state -------------------------------------------------------------------------
  let state: PlayState = 'startup';
  let pos = 0;
  let lastT = 0;
  let userPaused = false;
  let startupAt = NaN;
  let stalls = 0;
  let pauses = 0;
  let seeks = 0;
  const transitions: { t: number; state: PlayState }[] = [{ t: 0, state: 'startup' }];
  const heights: { t: number; h: number }[] = [];
  let curHeight = -1;
  const bufferAt: number[] = [];
  let nextSample = 1;
  const vDone = new Map<number, number>(); // index -> height
  const aDone = new Set<number>();
  const vInflight = new Set<number>();
  const aInflight = new Set<number>();
  const vRec = new Map<number, SegmentRecord>();
  const aRec = new Map<number, SegmentRecord>();
  let vNext = 0;
  let aNext = 0;
  const segments: SegmentRecord[] = [];
  const samples: { bits: number; dt: number }[] = [];
  let rungIdx = -1;
  let ending = false;
  let resumeThreshold = startupThreshold;
  let liveJoin = Infinity;

  const idxAt = (p: number): number => Math.floor(p / D + 1e-9);
  const playable = (): number => {
    const i0 = idxAt(pos);
    let v = i0;
    while (vDone.has(v)) v++;
    let end = v * D;
    if (audioSeparate) {
      let a = i0;
      while (aDone.has(a)) a++;
      end = Math.min(end, a * D);
    }
    return Math.max(0, end - pos);
  };
  const setState = (s: PlayState, t: number): void => {
    if (s === state) return;
    state = s;
    transitions.push({ t, state: s });
    if (s === 'playing') {
      if (Number.isNaN(startupAt)) { startupAt = t; scheduleUserActions(t); }
      enterSegment(idxAt(pos), t);
    }
    if (s === 'stalled') stalls++;
  };
  const enterSegment = (idx: number, t: number): void => {
    const h = vDone.get(idx);
    if (h !== undefined && h !== curHeight) { heights.push({ t, h }); curHeight = h; }
    const r = vRec.get(idx);
    if (r && r.t_play === null) r.t_play = t;
    const ar = aRec.get(idx);
    if (ar && ar.t_play === null) ar.t_play = t;
  };
  /** Moves playback to time t, recording stalls, segment boundaries and per-second buffer samples. */
  const advance = (t: number): void => {
    let guard = 0;
    while (lastT < t - 1e-12 && guard++ < 100000) {
      const toSample = nextSample - lastT;
      if (state === 'playing') {
        const avail = playable();
        const bnd = (idxAt(pos) + 1) * D - pos;
        const step = Math.min(t - lastT, avail, bnd, toSample);
        pos += step; lastT += step;
        if (step === bnd || Math.abs(pos - Math.round(pos / D) * D) < 1e-9) {
          pos = Math.round(pos / D) * D;
          if (step === bnd) enterSegment(idxAt(pos), lastT);
        }
        if (avail - step <= 1e-9) setState('stalled', lastT);
      } else {
        lastT += Math.min(t - lastT, toSample);
      }
      if (lastT >= nextSample - 1e-12) { bufferAt[nextSample - 1] = playable(); nextSample++; }
    }
    lastT = Math.max(lastT, t);
  };
  const maybeStart = (t: number): void => {
    if (userPaused) return;
    if ((state === 'startup' && playable() >= startupThreshold - 1e-9) || (state === 'stalled' && playable() >= resumeThreshold - 1e-9)) setState('playing', t);
  };

  // User actions: pauses and seeks after playback started.
  const scheduleUserActions = (t0: number): void => {
    const remaining = durationS - t0;
    if (remaining < 20) return;
    if (prng.bool(spec.pauseProbability)) {
      const at = t0 + prng.uniform(5, remaining - 10);
      const len = Math.min(90, prng.lognormal(12, 0.8));
      sim.at(at, () => {
        advance(sim.now);
        if (state !== 'playing') return;
        pauses++;
        userPaused = true;
        setState('paused', sim.now);
        sim.after(len, () => {
          advance(sim.now);
          userPaused = false;
          if (playable() > 0.05) setState('playing', sim.now);
          else { setState('stalled', sim.now); }
          pump();
        });
      });
    }
    if (prng.bool(spec.seekProbability)) {
      const at = t0 + prng.uniform(5, remaining - 5);
      const jump = prng.bool(0.8) ? prng.uniform(15, 150) : -prng.uniform(5, 30);
      sim.at(at, () => {
        advance(sim.now);
        if (state !== 'playing') return;
        seeks++;
        const target = Math.max(0, pos + jump);
        const ahead = pos + playable();
        if (target >= pos && target < ahead - 0.5) {
          // Within the buffer: playback continues from there.
          pos = target;
          enterSegment(idxAt(pos), sim.now);
        } else {
          pos = target;
          if (jump < 0) { for (const k of [...vDone.keys()]) if (k >= idxAt(target)) vDone.delete(k); for (const k of [...aDone]) if (k >= idxAt(target)) aDone.delete(k); }
          vNext = idxAt(target); aNext = idxAt(target);
          setState('stalled', sim.now);
          // After a seek the player waits for the startup amount again.
          resumeThreshold = startupThreshold;
        }
        pump();
      });
    }
  };

  // --- ABR ------------------------------------------------------------------------------------
  // Throughput estimate: bytes over time of the last 5 video segments (large segments weigh more).
  const estimate = (): number => {
    const last = samples.slice(-5);
    if (last.length === 0) return NaN;
    let bits = 0, dt = 0;
    for (const x of last) { bits += x.bits; dt += x.dt; }
    return bits / dt;
  };
  const chooseRung = (): number => {
    const est = estimate();
    const buf = playable();
    if (rungIdx < 0) {
      const start = ladder.findIndex((r) => r.height >= profile.startHeight);
      rungIdx = start < 0 ? ladder.length - 1 : start;
      if (Number.isNaN(est)) return rungIdx;
    }
    if (Number.isNaN(est)) return rungIdx;
    // Buffer thresholds scale with the target buffer (live players keep only a few seconds).
    const low = Math.min(8, 0.4 * maxBuffer), mid = Math.min(20, 0.6 * maxBuffer), high = Math.min(30, 0.8 * maxBuffer);
    const factor = buf < low ? 0.55 : buf < mid ? 0.75 : 0.9;
    let target = 0;
    for (let i = 0; i < ladder.length; i++) {
      const need = (ladder[i].kbps + audioKbps) * 1000;
      if (need <= factor * est) target = i;
    }
    if (target > rungIdx) {
      const startup = state === 'startup';
      if (!startup && buf < Math.min(10, 0.5 * maxBuffer)) target = rungIdx;
      else if (buf < high) target = rungIdx + 1;
    }
    rungIdx = Math.max(0, Math.min(ladder.length - 1, target));
    return rungIdx;
  };

  // --- connections ------------------------------------------------------------------------------
  const videoConns: Conn[] = [];
  let audioConn: Conn | null = null;
  let webConn: Conn | null = null;
  let playlistConn: Conn | null = null;
  const allConns: Conn[] = [];
  const reqSize = (): number => transport === 'quic' ? crng.int(160, 460) : crng.int(320, 900);
  const respOverhead = (body: number): number => {
    const hdr = crng.int(profile.responseHeader[0], profile.responseHeader[1]);
    if (transport === 'quic') return Math.round(hdr * 0.4) + 5; // QPACK-compressed HEADERS + DATA frame header
    return hdr + Math.ceil((hdr + body) / 16384) * 22;
  };
  const serverDelay = (): number => crng.bool(0.06) ? crng.uniform(0.05, 0.35) : crng.uniform(0.002, 0.015);
  const liveAvailable = (index: number): number => liveJoin + Math.max(0, index - 3) * D;

  const requestVideo = (c: Conn, index: number): void => {
    const ri = chooseRung();
    const rung = ladder[ri];
    const bytes = sizeOf(index, rung.kbps);
    const rec: SegmentRecord = { session_id: spec.sessionId, flow: c.clientPort, t_request: sim.now, t_done: NaN, bytes, resolution: rung.height, kind: 'video', index, duration_s: D, t_play: null };
    segments.push(rec);
    vInflight.add(index);
    const concurrency = videoConns.filter((x) => x.busy).length + 1;
    c.request(reqSize(), bytes + respOverhead(bytes), (t) => {
      advance(t);
      rec.t_done = t;
      vInflight.delete(index);
      // Like real players, measure from the first response byte: remove the request latency.
      const elapsed = t - rec.t_request;
      const dt = Math.max(1e-3, Math.max(elapsed - cdnRtt - 0.01, 0.3 * elapsed));
      samples.push({ bits: bytes * 8 * concurrency, dt });
      vDone.set(index, rung.height);
      vRec.set(index, rec);
      if (state === 'playing' && idxAt(pos) === index) enterSegment(index, t);
      maybeStart(t);
      // The player reacts after a short processing delay.
      sim.after(crng.uniform(0.0002, 0.0015), () => { pump(); if (ending) closeIfIdle(c); });
    }, serverDelay());
  };
  const requestAudio = (c: Conn, index: number): void => {
    const bytes = audioSize(index);
    const rec: SegmentRecord = { session_id: spec.sessionId, flow: c.clientPort, t_request: sim.now, t_done: NaN, bytes, resolution: null, kind: 'audio', index, duration_s: D, t_play: null };
    segments.push(rec);
    aInflight.add(index);
    c.request(reqSize(), bytes + respOverhead(bytes), (t) => {
      advance(t);
      rec.t_done = t;
      aInflight.delete(index);
      aDone.add(index);
      aRec.set(index, rec);
      maybeStart(t);
      sim.after(crng.uniform(0.0002, 0.0015), () => { pump(); if (ending) closeIfIdle(c); });
    }, serverDelay());
  };

  function pump(): void {
    if (ending) return;
    const now = sim.now;
    for (const c of videoConns) {
      if (!c.ready || c.busy || c.closed) continue;
      while (vDone.has(vNext) || vInflight.has(vNext)) vNext++;
      if (vNext * D - pos >= maxBuffer) break;
      if (profile.live && liveAvailable(vNext) > now) break;
      requestVideo(c, vNext);
      vNext++;
    }
    if (audioConn && audioConn.ready && !audioConn.busy && !audioConn.closed) {
      while (aDone.has(aNext) || aInflight.has(aNext)) aNext++;
      if (aNext * D - pos < maxBuffer && !(profile.live && liveAvailable(aNext) > now)) { requestAudio(audioConn, aNext); aNext++; }
    }
  }

  const closeIfIdle = (c: Conn): void => { if (!c.busy && !c.closed) c.close(false); };

  const newConn = (ip: string, rtt: number, sni: string, kind: 'tcp' | 'quic' = transport): Conn => {
    const c = new Conn(ctx, { kind, client, serverIp: ip, rtt, serverTtl, sni, serverMss, alpn: kind === 'quic' ? ['h3'] : ['h2', 'http/1.1'] });
    allConns.push(c);
    return c;
  };

  // --- the session script -----------------------------------------------------------------------
  const startMedia = (): void => {
    dnsLookup(ctx, client, resolver, videoSpec.qname, { cnames: videoSpec.cnames, addresses: videoIps, ttl: crng.int(60, 300), cnameTtl: crng.int(300, 3600) }, () => {
      for (let i = 0; i < nVideoConns; i++) {
        const c = newConn(videoIps[i % videoIps.length], cdnRtt, videoSpec.qname);
        videoConns.push(c);
        c.open(() => pump());
      }
      if (audioSeparate) {
        audioConn = newConn(videoIps[0], cdnRtt, videoSpec.qname);
        audioConn.open(() => pump());
      }
    });
  };

  // t = 0: the user opens the page.
  dnsLookup(ctx, client, resolver, webSpec.qname, { cnames: webSpec.cnames, addresses: [webIp], ttl: crng.int(60, 300), cnameTtl: crng.int(300, 3600) }, () => {
    webConn = newConn(webIp, webRtt, webSpec.qname, transport);
    const objects = crng.int(2, 4);
    let n = 0;
    const fetchNext = (): void => {
      if (n++ < objects) {
        const size = Math.round(Math.min(700_000, crng.lognormal(60_000, 0.9)));
        webConn!.request(crng.int(400, 1200), size, () => fetchNext(), crng.uniform(0.02, 0.12));
        return;
      }
      if (profile.live && profile.playlistHost) {
        const ph = profile.playlistHost(crng);
        const pip = randomIpInPrefix(crng, ph.prefix);
        dnsLookup(ctx, client, resolver, ph.qname, { cnames: [], addresses: [pip], ttl: 60 }, () => {
          playlistConn = newConn(pip, cdnRtt + 0.005, ph.qname, 'tcp');
          const poll = (): void => {
            if (ending || !playlistConn || playlistConn.closed) return;
            if (!playlistConn.busy) {
              playlistConn.request(crng.int(450, 700), crng.int(1500, 4000), () => {
                if (liveJoin === Infinity) { liveJoin = sim.now; startMedia(); }
                pump();
              }, crng.uniform(0.005, 0.03));
            }
            sim.after(D, poll);
          };
          playlistConn.open(poll);
        });
      } else {
        startMedia();
      }
      // Telemetry / heartbeat requests on the web connection.
      const tele = (): void => {
        if (ending || !webConn || webConn.closed) return;
        if (!webConn.busy) webConn.request(crng.int(500, 1600), crng.int(100, 900), () => undefined, crng.uniform(0.01, 0.05));
        sim.after(crng.uniform(profile.telemetryPeriodS[0], profile.telemetryPeriodS[1]), tele);
      };
      sim.after(crng.uniform(profile.telemetryPeriodS[0], profile.telemetryPeriodS[1]), tele);
    };
    webConn.open(fetchNext);
  });

  // Player clock: 100 ms ticks drive playback accounting and requests.
  const tick = (): void => {
    advance(sim.now);
    maybeStart(sim.now);
    pump();
    if (sim.now < durationS) sim.after(0.1, tick);
  };
  sim.at(0.1, tick);

  // Background traffic.
  const lanDevices: ClientHost[] = [];
  if (spec.background) {
    const brng = root.fork(31);
    startBackground(ctx, client, resolver, brng, { visitGapS: brng.uniform(60, 400), dnsGapS: brng.uniform(20, 90), push: brng.bool(0.5), ntp: brng.bool(0.3), bulkProbability: 0.03, rtt: net.rtt });
    const others = brng.int(spec.otherClients[0], spec.otherClients[1]);
    for (let i = 0; i < others; i++) {
      const h = newHost(brng.pick([64, 128]));
      lanDevices.push(h);
      const orng = root.fork(40 + i);
      startBackground(ctx, h, resolver, orng, { visitGapS: orng.uniform(15, 120), dnsGapS: orng.uniform(15, 60), push: orng.bool(0.4), ntp: orng.bool(0.2), bulkProbability: 0.12, rtt: net.rtt });
    }
    if (brng.bool(0.7)) lanDevices.push(newHost(255));
    startLanChatter(ctx, lanDevices, brng);
  }

  // End of the session: stop requesting, let in-flight segments finish (up to 20 s), then close.
  sim.at(durationS, () => {
    advance(durationS);
    ending = true;
    const sweep = (): void => {
      for (const c of ctx.conns) if (!c.closed && c.ready && !c.busy) c.close(false);
      if (sim.now < durationS + 20) sim.after(0.25, sweep);
    };
    sweep();
  });
  sim.run(durationS + 20);
  for (const c of ctx.conns) if (!c.closed) c.close(true);
  sim.run(durationS + 25);

  // --- labels -----------------------------------------------------------------------------------
  const labels = perSecondLabels(spec.sessionId, durationS, transitions, heights, bufferAt);
  let retransmits = 0;
  for (const c of allConns) retransmits += c.stats.retransmits;
  const meta: SessionMeta = {
    session_id: spec.sessionId, service, transport, access: net.kind,
    median_mbps: round(net.medianMbps, 3), mean_mbps: round(net.meanMbps, 3), rtt_ms: round(net.rtt * 1000, 2), loss: round(net.loss, 5), queue_ms: round(net.queueDelay * 1000, 1),
    segment_s: D, ladder: ladder.map((r) => r.height), device_max_height: deviceMax, startup_threshold_s: round(startupThreshold, 6), max_buffer_s: round(maxBuffer, 2),
    video_connections: nVideoConns, audio_separate: audioSeparate, pauses, seeks, stalls, retransmits,
    bottleneck_drops: link.drops, random_losses: link.randomLosses, packets: cap.packets, video_server: videoIps.join(' '), web_server: webIp,
  };
  return {
    pcap: cap.bytes(),
    session: {
      session_id: spec.sessionId, service, client_ip: client.ip, start_ts: spec.epoch, startup_delay_s: startupAt, duration_s: durationS,
    },
    labels,
    segments,
    meta,
    events: sim.events,
  };
}

function round(v: number, d: number): number { return Number(v.toFixed(d)); }

/**
 * Per-second labels from the exact timeline: the state that occupied most of [t, t+1); the height
 * played for most of the second's playing time (null when nothing played); the buffer at t+1.
 */
export function perSecondLabels(sessionId: string, durationS: number, transitions: { t: number; state: PlayState }[], heights: { t: number; h: number }[], bufferAt: number[]): LabelRecord[] {
  const out: LabelRecord[] = [];
  let ti = 0;
  let hi = -1;
  for (let s = 0; s < durationS; s++) {
    const a = s, b = s + 1;
    const occ = new Map<PlayState, number>();
    const hOcc = new Map<number, number>();
    while (ti + 1 < transitions.length && transitions[ti + 1].t <= a) ti++;
    let j = ti;
    let cur = a;
    while (cur < b) {
      const st = transitions[j].state;
      const next = j + 1 < transitions.length ? Math.min(b, transitions[j + 1].t) : b;
      if (next > cur) {
        occ.set(st, (occ.get(st) ?? 0) + (next - cur));
        if (st === 'playing') {
          // Split the playing interval by the height timeline.
          let c2 = cur;
          while (hi + 1 < heights.length && heights[hi + 1].t <= c2) hi++;
          let k = hi;
          while (c2 < next) {
            const h = k >= 0 ? heights[k].h : -1;
            const n2 = k + 1 < heights.length ? Math.min(next, heights[k + 1].t) : next;
            if (h > 0 && n2 > c2) hOcc.set(h, (hOcc.get(h) ?? 0) + (n2 - c2));
            if (n2 >= next) break;
            c2 = n2; k++;
          }
        }
      }
      if (next >= b) break;
      cur = next; j++;
    }
    let state: PlayState = transitions[ti].state;
    let best = -1;
    for (const [st, d] of occ) if (d > best + 1e-12) { best = d; state = st; }
    let res: number | null = null;
    let hb = -1;
    for (const [h, d] of hOcc) if (d > hb + 1e-12 || (Math.abs(d - hb) <= 1e-12 && res !== null && h > res)) { hb = d; res = h; }
    out.push({ session_id: sessionId, t: s, state, resolution: res, buffer_s: Math.round((bufferAt[s] ?? 0) * 1000) / 1000 });
  }
  return out;
}
