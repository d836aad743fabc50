import type { Packet } from '../decode/packet';
import { TCP_ACK, TCP_SYN } from '../decode/packet';
import { isPrivateAddress } from './address';
import { PrefixMatcher } from '../services/prefixMatcher';

/**
 * Decides, from a flow's first packet, whether its sender is the local (client) side.
 * Rules, first that applies: configured local prefixes; a configured local MAC (the
 * original's ReplayMAC); a SYN without ACK comes from the client (SYN+ACK from the
 * server); a private address facing a public one is the client; the side with the
 * ephemeral port is the client; otherwise the first sender is.
 */
export class DirectionResolver {
  private readonly local: PrefixMatcher | null;
  private readonly macs: Uint8Array[];

  constructor(localPrefixes: readonly string[] = [], localMacs: readonly string[] = []) {
    if (localPrefixes.length) {
      this.local = new PrefixMatcher();
      localPrefixes.forEach((p) => this.local!.add(p, 1));
    } else {
      this.local = null;
    }
    this.macs = localMacs.map((m) => Uint8Array.from(m.split(':').map((x) => parseInt(x, 16))));
  }

  senderIsClient(p: Packet): boolean {
    if (this.local) {
      const s = this.local.lookup(p.buf, p.srcAddr, p.ipVersion) >= 0;
      const d = this.local.lookup(p.buf, p.dstAddr, p.ipVersion) >= 0;
      if (s !== d) return s;
    }
    if (this.macs.length && p.linkType === 1) {
      for (const mac of this.macs) {
        if (macAt(p.buf, p.start + 6, mac)) return true;
        if (macAt(p.buf, p.start, mac)) return false;
      }
    }
    if (p.protocol === 6 && p.l4 >= 0 && (p.tcpFlags & TCP_SYN)) return (p.tcpFlags & TCP_ACK) === 0;
    const ps = isPrivateAddress(p.buf, p.srcAddr, p.ipVersion);
    const pd = isPrivateAddress(p.buf, p.dstAddr, p.ipVersion);
    if (ps !== pd) return ps;
    if (p.l4 >= 0 && (p.protocol === 6 || p.protocol === 17)) {
      const sp = p.srcPort, dp = p.dstPort;
      if ((sp < 1024) !== (dp < 1024)) return sp >= 1024;
      if ((sp >= 32768) !== (dp >= 32768)) return sp >= 32768;
    }
    return true;
  }
}

function macAt(buf: Uint8Array, o: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (buf[o + i] !== mac[i]) return false;
  return true;
}
