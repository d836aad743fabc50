import type { Packet } from '../decode/packet';
import type { ServiceSpec } from '../config/config';
import { AhoCorasick } from './ahoCorasick';
import { PrefixMatcher } from './prefixMatcher';
import { parseDns } from './dns';
import { formatIpv6 } from '../flows/address';

/** How a flow's service was found (the `categorized_by` column). */
export const enum CategorizedBy { None = 0, Default, Dns, Sni, QuicSni, Prefix }
export const CATEGORIZED_BY = ['', 'default', 'dns', 'sni', 'quic-sni', 'prefix'] as const;

/** Extracts a server name from a flow's early payload (TLS ClientHello, QUIC Initial); null when none. */
export type SniExtractor = (p: Packet) => string | null;

/**
 * Maps flows to services, the original's way and beyond:
 * 1. DNS: responses are parsed; when the question (or a CNAME in the chain) matches a
 *    service's domain strings (contains-match, Aho–Corasick) or regexes, every answer
 *    address maps to that service until the DNS cache entry expires (capture time).
 * 2. Prefixes: the remote address's longest matching prefix (every prefix counts).
 * 3. SNI: a flow that neither found waits for its first upstream payloads; a TLS
 *    ClientHello or QUIC Initial naming a service's domain categorizes it then.
 * Precedence: DNS, then prefixes, when the flow starts; SNI only for flows still
 * uncategorized (a flow never changes service once it has one).
 */
export class ServiceMap {
  readonly names: string[];
  private readonly domains = new AhoCorasick();
  private readonly regexes: { re: RegExp; service: number }[] = [];
  private readonly prefixes = new PrefixMatcher();
  private readonly dns4 = new Map<number, { service: number; expires: number }>();
  private readonly dns6 = new Map<string, { service: number; expires: number }>();
  private readonly hasDomains: boolean;
  readonly catchAll: boolean;
  sniExtractors: SniExtractor[] = [];

  // Counters for the summary.
  dnsResponses = 0;
  dnsLearned = 0;
  dnsErrors = new Map<string, number>();
  sniSeen = 0;

  constructor(services: readonly ServiceSpec[], catchAll: boolean, private readonly dnsEvictSeconds = 600) {
    this.names = services.map((s) => s.name);
    this.catchAll = catchAll;
    services.forEach((s, i) => {
      s.domainsString.forEach((d) => this.domains.add(d, i));
      s.domainsRegex.forEach((r) => this.regexes.push({ re: new RegExp(r, 'i'), service: i }));
      s.prefixes.forEach((p) => this.prefixes.add(p, i));
    });
    this.domains.build();
    this.hasDomains = this.domains.size > 1 || this.regexes.length > 0;
  }

  /** The service whose domain filters match `name`, or -1. */
  matchName(name: string): number {
    let best = this.domains.match(name);
    for (const r of this.regexes) {
      if (best >= 0 && r.service >= best) continue;
      if (r.re.test(name)) best = r.service;
    }
    return best;
  }

  /** Learns address -> service from a DNS response carried by `p` (UDP from port 53 or 5353). */
  learnDns(p: Packet): void {
    if (!this.hasDomains) return;
    this.dnsResponses++;
    const r = parseDns(p.buf, p.payload, p.payloadCaplen);
    if (!r.ok) {
      this.dnsErrors.set(r.reason, (this.dnsErrors.get(r.reason) ?? 0) + 1);
      return;
    }
    const m = r.message;
    if (!m.response || m.answers.length === 0) return;
    let service = -1;
    for (const q of m.questions) { const s = this.matchName(q); if (s >= 0 && (service < 0 || s < service)) service = s; }
    for (const a of m.answers) {
      if (a.type !== 5 || !a.target) continue;
      const s = this.matchName(a.target);
      if (s >= 0 && (service < 0 || s < service)) service = s;
    }
    if (service < 0) return;
    const expires = p.ts + this.dnsEvictSeconds;
    for (const a of m.answers) {
      if (!a.address) continue;
      if (a.address.length === 4) this.dns4.set(word(a.address, 0), { service, expires });
      else this.dns6.set(formatIpv6(a.address, 0), { service, expires });
      this.dnsLearned++;
    }
  }

  /** Service of a remote address from the DNS cache then the prefixes; sets `by[0]`. */
  lookupAddress(buf: Uint8Array, o: number, version: number, now: number, by: Uint8Array): number {
    const e = version === 4 ? this.dns4.get(word(buf, o)) : this.dns6.size ? this.dns6.get(formatIpv6(buf, o)) : undefined;
    if (e && e.expires >= now) { by[0] = CategorizedBy.Dns; return e.service; }
    if (!this.prefixes.empty) {
      const s = this.prefixes.lookup(buf, o, version);
      if (s >= 0) { by[0] = CategorizedBy.Prefix; return s; }
    }
    by[0] = CategorizedBy.None;
    return -1;
  }

  /** Whether SNI can still categorize flows (some service has domain filters and an extractor is installed). */
  get wantsSni(): boolean {
    return this.hasDomains && this.sniExtractors.length > 0;
  }

  /** Tries the SNI extractors on `p`; returns the service or -1, and sets `by[0]`. */
  lookupSni(p: Packet, by: Uint8Array): number {
    for (let i = 0; i < this.sniExtractors.length; i++) {
      const name = this.sniExtractors[i](p);
      if (name) {
        this.sniSeen++;
        const s = this.matchName(name);
        by[0] = p.protocol === 17 ? CategorizedBy.QuicSni : CategorizedBy.Sni;
        return s;
      }
    }
    return -1;
  }

  /** Drops expired DNS entries (capture time). */
  expire(now: number): void {
    for (const [k, e] of this.dns4) if (e.expires < now) this.dns4.delete(k);
    for (const [k, e] of this.dns6) if (e.expires < now) this.dns6.delete(k);
  }

  get dnsCacheSize(): number { return this.dns4.size + this.dns6.size; }
}

function word(b: Uint8Array, o: number): number {
  return ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
}
