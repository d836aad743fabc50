/**
 * Background traffic around a video session: web browsing (DNS, TLS over TCP, several objects per
 * page and sub-resource hosts), DNS-only lookups, a long-lived push connection, NTP, LAN
 * multicast chatter (mDNS, SSDP) and, for other clients, the occasional bulk download that
 * competes with the video for the bottleneck.
 */
import { Conn, ClientHost, SessionContext, dnsLookup, UdpTemplate, Endpoint, allocPort } from './sim';
import { Rng } from './rng';
import { buildDnsResponse } from './dns';
import { BACKGROUND_NAMES, BACKGROUND_PREFIXES, BACKGROUND_SITES, randomIpInPrefix, WebSite } from './services';

export interface Resolver { ip: string; rtt: number }

export interface BackgroundOptions {
  /** Mean seconds between page visits. */
  visitGapS: number;
  /** Mean seconds between DNS-only lookups. */
  dnsGapS: number;
  push: boolean;
  ntp: boolean;
  /** Probability of one large download during the session. */
  bulkProbability: number;
  /** Base RTT of the access network (servers add their own distance). */
  rtt: number;
}

export interface BackgroundStats { visits: number; connections: number; lookups: number; bulkBytes: number }

export function startBackground(ctx: SessionContext, client: ClientHost, resolver: Resolver, rng: Rng, o: BackgroundOptions): BackgroundStats {
  const stats: BackgroundStats = { visits: 0, connections: 0, lookups: 0, bulkBytes: 0 };
  const { sim } = ctx;
  const conns: Conn[] = [];
  const resolved = new Map<string, string>();

  const lookup = (host: string, prefix: string, then: (ip: string) => void): void => {
    const known = resolved.get(host);
    if (known) { then(known); return; }
    const ip = randomIpInPrefix(rng, prefix);
    const cname = rng.bool(0.3) ? [`${host.split('.')[0]}.edge.${rng.pick(['cdn77.org', 'edgekey.net', 'fastly.net', 'cloudflare.net'])}`] : [];
    stats.lookups++;
    dnsLookup(ctx, client, resolver, host, { cnames: cname, addresses: [ip], ttl: rng.int(30, 3600) }, () => { resolved.set(host, ip); then(ip); });
  };

  const open = (host: string, prefix: string, objects: number, medianBytes: number, then?: () => void): void => {
    lookup(host, prefix, (ip) => {
      const c = new Conn(ctx, { kind: 'tcp', client, serverIp: ip, rtt: o.rtt + rng.uniform(0.005, 0.08), serverTtl: rng.pick([52, 54, 57, 58, 116, 120, 244]), sni: host, serverMss: rng.pick([1380, 1440, 1460]) });
      conns.push(c);
      stats.connections++;
      let left = objects;
      const next = (): void => {
        if (c.closed) return;
        if (left-- <= 0 || sim.now > ctx.endTime + 5) {
          sim.after(rng.uniform(3, 30), () => c.close(false));
          then?.();
          return;
        }
        const size = Math.min(3_000_000, Math.max(200, Math.round(rng.lognormal(medianBytes, 1.3))));
        c.request(rng.int(250, 900), size, () => sim.after(rng.exponential(0.08), next), rng.uniform(0.003, 0.06));
      };
      c.open(next);
    });
  };

  const visit = (site: WebSite): void => {
    stats.visits++;
    open(site.host, site.prefix, rng.int(1, 6), 25_000);
    const subs = site.sub ?? [];
    for (const s of subs) if (rng.bool(0.7)) sim.after(rng.uniform(0.1, 0.6), () => open(s, site.prefix, rng.int(1, 10), 12_000));
  };

  // Page visits.
  const scheduleVisit = (): void => {
    sim.after(rng.exponential(o.visitGapS), () => {
      if (sim.now >= ctx.endTime) return;
      visit(rng.pick(BACKGROUND_SITES));
      scheduleVisit();
    });
  };
  scheduleVisit();

  // DNS-only lookups (telemetry, connectivity checks...).
  const scheduleDns = (): void => {
    sim.after(rng.exponential(o.dnsGapS), () => {
      if (sim.now >= ctx.endTime) return;
      const name = rng.pick(BACKGROUND_NAMES);
      stats.lookups++;
      dnsLookup(ctx, client, resolver, name, { addresses: [randomIpInPrefix(rng, rng.pick(BACKGROUND_PREFIXES))], ttl: rng.int(60, 600) }, () => undefined);
      scheduleDns();
    });
  };
  scheduleDns();

  // A long-lived push connection with sparse keep-alives.
  if (o.push) {
    sim.after(rng.uniform(0, 20), () => {
      lookup('mtalk.google.com', '142.251.0.0/16', (ip) => {
        const c = new Conn(ctx, { kind: 'tcp', client, serverIp: ip, serverPort: 5228, rtt: o.rtt + 0.01, serverTtl: 58, sni: 'mtalk.google.com' });
        conns.push(c);
        stats.connections++;
        const ping = (): void => {
          if (sim.now >= ctx.endTime) { c.close(false); return; }
          c.ping(rng.int(30, 60), rng.int(30, 80));
          sim.after(rng.uniform(30, 120), ping);
        };
        c.open(ping);
      });
    });
  }

  // NTP.
  if (o.ntp) {
    sim.after(rng.uniform(0, 60), () => {
      if (sim.now >= ctx.endTime) return;
      lookup('time.apple.com', '17.0.0.0/8', (ip) => {
        const src: Endpoint = { ip: client.ip, mac: client.mac, port: allocPort(client, rng), ttl: client.ttl };
        const dst: Endpoint = { ip, mac: ctx.gatewayMac, port: 123, ttl: 56 };
        const q = rng.bytes(48); q[0] = 0x23;
        new UdpTemplate(src, dst, ctx.snaplen, rng.int(0, 0xffff)).emitWhole(ctx.cap, sim.now, q, src, dst);
        sim.after(o.rtt + 0.01, () => {
          const r = rng.bytes(48); r[0] = 0x24; r[1] = 2;
          new UdpTemplate(dst, src, ctx.snaplen, rng.int(0, 0xffff)).emitWhole(ctx.cap, sim.now, r, dst, src);
        });
      });
    });
  }

  // A bulk download (software update, cloud sync) competing for the bottleneck.
  if (rng.bool(o.bulkProbability)) {
    const startAt = rng.uniform(5, Math.max(6, ctx.endTime * 0.6));
    const bytes = Math.round(Math.exp(rng.uniform(Math.log(20e6), Math.log(250e6))));
    sim.at(startAt, () => {
      const host = rng.pick(['dl.delivery.mp.microsoft.com', 'updates.cdn-apple.com', 'steamcdn-a.akamaihd.net.edgesuite.net', 'dl.google.com']);
      lookup(host, rng.pick(['2.16.0.0/13', '184.24.0.0/13', '17.0.0.0/8']), (ip) => {
        const c = new Conn(ctx, { kind: 'tcp', client, serverIp: ip, rtt: o.rtt + rng.uniform(0.005, 0.03), serverTtl: 57, sni: host, rwndMax: 8 << 20 });
        conns.push(c);
        stats.connections++;
        stats.bulkBytes = bytes;
        c.open(() => c.request(rng.int(300, 600), bytes, () => c.close(false), 0.01));
      });
    });
  }

  return stats;
}

/** Multicast chatter from LAN devices (not through the bottleneck): mDNS announcements and SSDP NOTIFYs. */
export function startLanChatter(ctx: SessionContext, devices: ClientHost[], rng: Rng): void {
  const { sim } = ctx;
  devices.forEach((d, i) => {
    const mdnsSrc: Endpoint = { ip: d.ip, mac: d.mac, port: 5353, ttl: 255 };
    const mdnsDst: Endpoint = { ip: '224.0.0.251', mac: '01:00:5e:00:00:fb', port: 5353, ttl: 255 };
    const ssdpSrc: Endpoint = { ip: d.ip, mac: d.mac, port: allocPort(d, rng), ttl: 4 };
    const ssdpDst: Endpoint = { ip: '239.255.255.250', mac: '01:00:5e:7f:ff:fa', port: 1900, ttl: 4 };
    const mdns = new UdpTemplate(mdnsSrc, mdnsDst, ctx.snaplen, rng.int(0, 0xffff));
    const ssdp = new UdpTemplate(ssdpSrc, ssdpDst, ctx.snaplen, rng.int(0, 0xffff));
    const name = `${rng.pick(['Living-Room-TV', 'Kitchen-Speaker', 'HP-LaserJet', 'iPad', 'Chromecast', 'NAS'])}-${i + 1}.local`;
    const uuid = [8, 4, 4, 4, 12].map((n) => [...rng.bytes(n)].map((b) => (b & 15).toString(16)).join('')).join('-');
    const tick = (): void => {
      if (sim.now >= ctx.endTime) return;
      if (rng.bool(0.6)) {
        mdns.emitWhole(ctx.cap, sim.now, buildDnsResponse(0, name, { addresses: [d.ip], ttl: 120 }), mdnsSrc, mdnsDst);
      } else {
        const text = `NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\nLOCATION: http://${d.ip}:${rng.int(1024, 60000)}/description.xml\r\n` +
          `NT: upnp:rootdevice\r\nNTS: ssdp:alive\r\nSERVER: Linux/4.9 UPnP/1.0 device/1.0\r\nUSN: uuid:${uuid}::upnp:rootdevice\r\n\r\n`;
        ssdp.emitWhole(ctx.cap, sim.now, Uint8Array.from(Buffer.from(text, 'latin1')), ssdpSrc, ssdpDst);
      }
      sim.after(rng.exponential(45), tick);
    };
    sim.after(rng.uniform(0, 30), tick);
  });
}
