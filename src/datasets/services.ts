/**
 * Video service profiles for the generator, after the original Traffic Refinery configuration
 * (`trconfig_default.json`: Youtube, Netflix, Amazon, Twitch with their DomainsString/DomainsRegex
 * and, for Netflix, its IP prefixes).
 *
 * Where the config lists no prefixes (Youtube, Amazon, Twitch) the generator draws server
 * addresses from prefixes those operators are publicly known to announce (Google, CloudFront,
 * Akamai, Twitch); they are plausible, not authoritative. Every DNS answer for a service name is
 * inside `prefixes` (video CDN) or `webPrefixes` (the service's web/API front ends).
 */
import { Rng } from './rng';

export type ServiceName = 'Youtube' | 'Netflix' | 'Amazon' | 'Twitch';
export const SERVICE_NAMES: readonly ServiceName[] = ['Youtube', 'Netflix', 'Amazon', 'Twitch'];

export interface Rung { height: number; kbps: number }

export interface HostSpec {
  /** Name the client queries (matches the service's DomainsString/DomainsRegex). */
  qname: string;
  /** CNAME chain returned before the A records. */
  cnames: string[];
  /** Prefix the A records are drawn from. */
  prefix: string;
}

export interface ServiceProfile {
  name: ServiceName;
  /** DomainsString of trconfig_default.json. */
  domains: readonly string[];
  /** DomainsRegex of trconfig_default.json. */
  domainsRegex: readonly string[];
  /** Prefixes of the video CDN servers. */
  prefixes: readonly string[];
  /** Prefixes of the web/API front ends. */
  webPrefixes: readonly string[];
  webHost(rng: Rng): HostSpec;
  videoHost(rng: Rng): HostSpec;
  /** Live-playlist host (Twitch). */
  playlistHost?(rng: Rng): HostSpec;
  /** Bitrate ladder (average kbps per height), lowest first. 2160p only for some titles. */
  ladder: readonly Rung[];
  /** Probability that a title has the top (2160p) rung. */
  uhdShare: number;
  /** Audio bitrate (kbps) of the separate audio track; 0 when audio is muxed into video segments. */
  audioKbps: readonly number[];
  /** Nominal media segment durations (one is picked per session). */
  segmentSeconds: readonly number[];
  /** Buffer (seconds of media) needed to start playing, range. */
  startupBufferS: readonly [number, number];
  /** Target buffer (the player stops requesting above it), range. */
  maxBufferS: readonly [number, number];
  /** Parallel connections for video segments, range. */
  videoConnections: readonly [number, number];
  /** Share of sessions over QUIC (the rest over TLS/TCP). */
  quicShare: number;
  /** Height of the first segment's rendition when there is no throughput estimate. */
  startHeight: number;
  /** Live stream (Twitch): segments become available in real time. */
  live: boolean;
  /** TTL the server sets (before hops). */
  serverTtl: number;
  serverMss: readonly number[];
  /** HTTP response header bytes. */
  responseHeader: readonly [number, number];
  /** Period of small telemetry requests on the web connection (seconds), range. */
  telemetryPeriodS: readonly [number, number];
}

// ---------------------------------------------------------------------------------------------
// IPv4 prefix helpers

export function parseIpv4(a: string): number {
  const p = a.split('.').map(Number);
  return (((p[0] << 24) >>> 0) + (p[1] << 16) + (p[2] << 8) + p[3]) >>> 0;
}

export function formatIpv4(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

export function ipv4InPrefix(ip: string, prefix: string): boolean {
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || prefix.includes(':')) return false;
  const [base, bitsS] = prefix.split('/');
  const bits = Number(bitsS);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((parseIpv4(ip) & mask) >>> 0) === ((parseIpv4(base) & mask) >>> 0);
}

/** A host address inside the prefix, avoiding network/broadcast-looking .0 and .255. */
export function randomIpInPrefix(rng: Rng, prefix: string): string {
  const [base, bitsS] = prefix.split('/');
  const bits = Number(bitsS);
  const size = 2 ** (32 - bits);
  const b = parseIpv4(base) & (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);
  for (;;) {
    const v = (b + Math.floor(rng.next() * size)) >>> 0;
    const last = v & 0xff;
    if (size <= 4 || (last !== 0 && last !== 255)) return formatIpv4(v);
  }
}

// ---------------------------------------------------------------------------------------------
// Name helpers

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
function rand(rng: Rng, n: number, alphabet = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(rng.next() * alphabet.length)];
  return s;
}
const HEX = '0123456789abcdef';
const IATA = ['lax', 'sjc', 'sea', 'ord', 'dfw', 'iad', 'atl', 'mia', 'jfk', 'ewr', 'bos', 'den', 'phx', 'lhr', 'fra', 'ams', 'cdg', 'mad', 'mil', 'waw'];

// ---------------------------------------------------------------------------------------------
// Profiles

export const SERVICE_PROFILES: Record<ServiceName, ServiceProfile> = {
  Youtube: {
    name: 'Youtube',
    domains: ['youtube.com', 'ytimg.com', 'googlevideo.com'],
    domainsRegex: [],
    prefixes: ['173.194.0.0/16', '74.125.0.0/16', '209.85.128.0/17'],
    webPrefixes: ['142.250.0.0/16', '172.217.0.0/16'],
    webHost: (rng) => ({ qname: 'www.youtube.com', cnames: ['youtube-ui.l.google.com'], prefix: rng.pick(['142.250.0.0/16', '172.217.0.0/16']) }),
    videoHost: (rng) => ({
      qname: `rr${rng.int(1, 8)}---sn-${rand(rng, 4, 'abcdefghijklmnopqrstuvwxyz')}${rand(rng, 4)}.googlevideo.com`,
      cnames: [],
      prefix: rng.pick(['173.194.0.0/16', '74.125.0.0/16', '209.85.128.0/17']),
    }),
    ladder: [
      { height: 144, kbps: 95 }, { height: 240, kbps: 220 }, { height: 360, kbps: 480 }, { height: 480, kbps: 900 },
      { height: 720, kbps: 1900 }, { height: 1080, kbps: 3600 }, { height: 1440, kbps: 8500 }, { height: 2160, kbps: 17000 },
    ],
    uhdShare: 0.3,
    audioKbps: [130, 160],
    segmentSeconds: [5, 5, 5, 4, 6],
    startupBufferS: [2, 5],
    maxBufferS: [40, 100],
    videoConnections: [1, 2],
    quicShare: 0.75,
    startHeight: 360,
    live: false,
    serverTtl: 64,
    serverMss: [1380, 1430],
    responseHeader: [350, 700],
    telemetryPeriodS: [10, 25],
  },
  Netflix: {
    name: 'Netflix',
    domains: ['netflix.com', 'nflxvideo.net', 'nflximg.net', 'nflxext.com', 'nflximg.com', 'nflxso.net'],
    domainsRegex: [],
    // The IPv4 prefixes of the original's Netflix filter.
    prefixes: ['23.246.0.0/18', '37.77.184.0/21', '45.57.0.0/17', '64.120.128.0/17', '66.197.128.0/17', '108.175.32.0/20',
      '185.2.220.0/22', '185.9.188.0/22', '192.173.64.0/18', '198.38.96.0/19', '198.45.48.0/20', '208.75.79.0/24'],
    webPrefixes: ['52.24.0.0/14', '54.68.0.0/14'],
    webHost: (rng) => ({
      qname: 'www.netflix.com',
      cnames: ['www.dradis.netflix.com', 'www.us-west-2.internal.dradis.netflix.com', `apiproxy-website-nlb-prod-${rng.int(1, 3)}-${rand(rng, 16, HEX)}.elb.us-west-2.amazonaws.com`],
      prefix: rng.pick(['52.24.0.0/14', '54.68.0.0/14']),
    }),
    videoHost: (rng) => {
      const prefix = rng.pick(['23.246.0.0/18', '37.77.184.0/21', '45.57.0.0/17', '64.120.128.0/17', '66.197.128.0/17', '108.175.32.0/20',
        '185.2.220.0/22', '185.9.188.0/22', '192.173.64.0/18', '198.38.96.0/19', '198.45.48.0/20', '208.75.79.0/24']);
      return { qname: `ipv4-c${String(rng.int(1, 199)).padStart(3, '0')}-${rng.pick(IATA)}${String(rng.int(1, 9)).padStart(3, '0')}-ix.1.oca.nflxvideo.net`, cnames: [], prefix };
    },
    ladder: [
      { height: 240, kbps: 235 }, { height: 360, kbps: 560 }, { height: 480, kbps: 1050 }, { height: 720, kbps: 2350 },
      { height: 1080, kbps: 4300 }, { height: 2160, kbps: 15600 },
    ],
    uhdShare: 0.25,
    audioKbps: [96, 128, 192],
    segmentSeconds: [4, 4, 4, 6],
    startupBufferS: [4, 10],
    maxBufferS: [120, 240],
    videoConnections: [2, 3],
    quicShare: 0,
    startHeight: 240,
    live: false,
    serverTtl: 64,
    serverMss: [1448, 1460],
    responseHeader: [280, 500],
    telemetryPeriodS: [15, 40],
  },
  Amazon: {
    name: 'Amazon',
    domains: ['amazon.com', 'amazonvideo.com', 'primevideo.com', 'aiv-cdn.net', 'avodassets-a.akamaihd.net'],
    domainsRegex: ['avod.*s3.*-.*.akamaihd.net', 'amazon.*.llwnd.net', 'amazon.*.lldns.net', '.*eu.amazon.fr'],
    prefixes: ['13.224.0.0/14', '99.84.0.0/16', '54.230.0.0/16', '23.0.0.0/12'],
    webPrefixes: ['18.64.0.0/14', '52.94.0.0/16'],
    webHost: (rng) => ({ qname: 'www.primevideo.com', cnames: [`d${rand(rng, 13)}.cloudfront.net`], prefix: '18.64.0.0/14' }),
    videoHost: (rng) => rng.bool(0.7)
      ? { qname: `${rng.pick(['s3', 'cf', 'a'])}-${rng.pick(['iad', 'pdx', 'dub', 'fra'])}-${rng.int(1, 4)}.cf.dash.row.aiv-cdn.net`, cnames: [`d${rand(rng, 13)}.cloudfront.net`], prefix: rng.pick(['13.224.0.0/14', '99.84.0.0/16', '54.230.0.0/16']) }
      : { qname: `avodmp4s3ww-${rng.pick(['a', 'b'])}.akamaihd.net`, cnames: [`avodmp4s3ww-a.akamaihd.net.edgesuite.net`, `a${rng.int(100, 1999)}.dscw${rng.int(10, 199)}.akamai.net`], prefix: '23.0.0.0/12' },
    ladder: [
      { height: 240, kbps: 300 }, { height: 360, kbps: 650 }, { height: 480, kbps: 1200 }, { height: 720, kbps: 2600 },
      { height: 1080, kbps: 5000 }, { height: 2160, kbps: 15000 },
    ],
    uhdShare: 0.2,
    audioKbps: [128, 192],
    segmentSeconds: [2, 2, 4],
    startupBufferS: [4, 8],
    maxBufferS: [60, 120],
    videoConnections: [1, 3],
    quicShare: 0,
    startHeight: 360,
    live: false,
    serverTtl: 255,
    serverMss: [1400, 1460],
    responseHeader: [400, 800],
    telemetryPeriodS: [15, 30],
  },
  Twitch: {
    name: 'Twitch',
    domains: ['twitch.tv', 'ttvnw.net', 'twitchcdn.net'],
    domainsRegex: [],
    prefixes: ['52.223.192.0/18', '185.42.204.0/22', '99.181.64.0/18'],
    webPrefixes: ['151.101.0.0/16'],
    webHost: () => ({ qname: 'www.twitch.tv', cnames: ['twitch.map.fastly.net'], prefix: '151.101.0.0/16' }),
    videoHost: (rng) => ({
      qname: `video-edge-${rand(rng, 6, HEX)}.${rng.pick(IATA)}${String(rng.int(1, 6)).padStart(2, '0')}.abs.hls.ttvnw.net`,
      cnames: [],
      prefix: rng.pick(['52.223.192.0/18', '185.42.204.0/22', '99.181.64.0/18']),
    }),
    playlistHost: (rng) => ({ qname: `video-weaver.${rng.pick(IATA)}${String(rng.int(1, 6)).padStart(2, '0')}.hls.ttvnw.net`, cnames: [], prefix: rng.pick(['52.223.192.0/18', '99.181.64.0/18']) }),
    // Twitch calls its lowest rung 160p; it is labelled 144 to share the standard height set.
    ladder: [
      { height: 144, kbps: 230 }, { height: 360, kbps: 630 }, { height: 480, kbps: 1400 }, { height: 720, kbps: 3000 }, { height: 1080, kbps: 6000 },
    ],
    uhdShare: 0,
    audioKbps: [0],
    segmentSeconds: [2],
    startupBufferS: [2, 4],
    maxBufferS: [6, 10],
    videoConnections: [1, 2],
    quicShare: 0,
    startHeight: 480,
    live: true,
    serverTtl: 64,
    serverMss: [1460],
    responseHeader: [300, 600],
    telemetryPeriodS: [20, 60],
  },
};

/** True if `name` would be classified as `p` by the original's filters (substring or regex match). */
export function nameMatchesService(name: string, p: ServiceProfile): boolean {
  const n = name.toLowerCase();
  if (p.domains.some((d) => n.includes(d))) return true;
  return p.domainsRegex.some((r) => new RegExp(r).test(n));
}

// ---------------------------------------------------------------------------------------------
// Non-video hosts for background traffic (never matching a service filter or prefix).

export interface WebSite { host: string; prefix: string; sub?: string[] }

export const BACKGROUND_SITES: readonly WebSite[] = [
  { host: 'en.wikipedia.org', prefix: '208.80.152.0/22', sub: ['upload.wikimedia.org'] },
  { host: 'www.google.com', prefix: '142.251.0.0/16', sub: ['www.gstatic.com', 'apis.google.com'] },
  { host: 'github.com', prefix: '140.82.112.0/20', sub: ['avatars.githubusercontent.com', 'github.githubassets.com'] },
  { host: 'www.bbc.co.uk', prefix: '2.16.0.0/13', sub: ['static.files.bbci.co.uk', 'ichef.bbci.co.uk'] },
  { host: 'www.nytimes.com', prefix: '104.16.0.0/13', sub: ['static01.nyt.com'] },
  { host: 'www.reddit.com', prefix: '104.16.0.0/13', sub: ['styles.redditmedia.com', 'preview.redd.it'] },
  { host: 'stackoverflow.com', prefix: '104.16.0.0/13', sub: ['cdn.sstatic.net'] },
  { host: 'news.ycombinator.com', prefix: '209.216.230.0/24' },
  { host: 'www.facebook.com', prefix: '157.240.0.0/16', sub: ['static.xx.fbcdn.net', 'scontent.xx.fbcdn.net'] },
  { host: 'outlook.office365.com', prefix: '13.64.0.0/11' },
  { host: 'slack.com', prefix: '184.24.0.0/13', sub: ['a.slack-edge.com'] },
  { host: 'docs.python.org', prefix: '172.64.0.0/13' },
  { host: 'www.apple.com', prefix: '17.0.0.0/8', sub: ['gateway.icloud.com'] },
  { host: 'api.spotify.com', prefix: '35.186.224.0/20' },
  { host: 'www.espn.com', prefix: '184.24.0.0/13', sub: ['a.espncdn.com'] },
  { host: 'cdn.jsdelivr.net', prefix: '104.16.0.0/13' },
];

/** Names queried in the background without much traffic (telemetry, push, checks). */
export const BACKGROUND_NAMES: readonly string[] = [
  'clients4.google.com', 'safebrowsing.googleapis.com', 'mtalk.google.com', 'play.googleapis.com', 'connectivitycheck.gstatic.com',
  'time.apple.com', 'push.apple.com', 'ocsp.digicert.com', 'ocsp.pki.goog', 'detectportal.firefox.com', 'incoming.telemetry.mozilla.org',
  'settings-win.data.microsoft.com', 'login.microsoftonline.com', 'api.weather.com', 'graph.facebook.com',
];

export const BACKGROUND_PREFIXES: readonly string[] = ['142.251.0.0/16', '17.0.0.0/8', '13.64.0.0/11', '104.16.0.0/13', '172.64.0.0/13'];
