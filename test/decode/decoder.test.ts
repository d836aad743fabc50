import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, Skip } from '../../src/decode/decoder';
import { Packet } from '../../src/decode/packet';
import {
  ethernet, ipv4Packet, ipv6Packet, tcpSegment, udpDatagram, tcp4Frame, TcpFlag, tcpOption, concat,
} from '../../src/datasets/packets';
import { batchOf } from '../helpers';

function decodeOne(data: Uint8Array, opts: { linkType?: number; caplen?: number; wirelen?: number } = {}): [Skip, Packet] {
  const b = batchOf([{ ts: 1.5, data, ...opts }]);
  const p = new Packet();
  return [decodeRecord(b, 0, p), p];
}

test('Ethernet/IPv4/TCP: ports, flags, seq/ack, window, options and lengths', () => {
  const payload = new Uint8Array(100).fill(7);
  const frame = tcp4Frame('10.0.0.1', '93.184.216.34', {
    srcPort: 51000, dstPort: 443, seq: 0xfffffff0, ack: 12345, flags: TcpFlag.SYN | TcpFlag.ACK, window: 29200,
    options: concat(tcpOption.mss(1460), tcpOption.nop(), tcpOption.windowScale(7)),
  }, payload);
  const [skip, p] = decodeOne(frame);
  assert.equal(skip, Skip.None);
  assert.equal(p.ipVersion, 4);
  assert.equal(p.protocol, 6);
  assert.equal(p.srcPort, 51000);
  assert.equal(p.dstPort, 443);
  assert.equal(p.seq, 0xfffffff0);
  assert.equal(p.ack, 12345);
  assert.equal(p.tcpFlags, TcpFlag.SYN | TcpFlag.ACK);
  assert.equal(p.window, 29200);
  assert.equal(p.tcpMss, 1460);
  assert.equal(p.tcpWscale, 7);
  assert.equal(p.tcpHeaderLen, 28);
  assert.equal(p.ipLen, 20 + 28 + 100);
  assert.equal(p.payloadLen, 100);
  assert.equal(p.ts, 1.5);
});

test('lengths come from headers when the capture is truncated (snaplen 72)', () => {
  const frame = tcp4Frame('192.168.1.2', '8.8.8.8', { srcPort: 40000, dstPort: 443 }, new Uint8Array(1400));
  const [skip, p] = decodeOne(frame, { caplen: 72, wirelen: frame.length });
  assert.equal(skip, Skip.None);
  assert.equal(p.ipLen, 1440);
  assert.equal(p.payloadLen, 1400);
  assert.equal(p.payloadCaplen, 72 - 54);
});

test('802.1Q and 802.1ad (QinQ) tags are skipped', () => {
  const ip = ipv4Packet(udpDatagram(new Uint8Array(10), 1000, 53), { src: '10.1.1.1', dst: '10.2.2.2', protocol: 17 });
  for (const [vlans, tpids] of [[[100], [0x8100]], [[200, 300], [0x88a8, 0x8100]]] as const) {
    const [skip, p] = decodeOne(ethernet(ip, 0x0800, { vlans: [...vlans], tpids: [...tpids] }));
    assert.equal(skip, Skip.None);
    assert.equal(p.protocol, 17);
    assert.equal(p.dstPort, 53);
    assert.equal(p.payloadLen, 10);
  }
});

test('Linux cooked SLL and SLL2, raw IP, BSD null and loopback link types', () => {
  const ip = ipv4Packet(udpDatagram(new Uint8Array(5), 1, 2), { src: '1.1.1.1', dst: '2.2.2.2', protocol: 17 });
  const sll = new Uint8Array(16); sll[14] = 0x08; sll[15] = 0x00;
  const sll2 = new Uint8Array(20); sll2[0] = 0x08; sll2[1] = 0x00;
  const nullLe = Uint8Array.of(2, 0, 0, 0);
  const nullBe = Uint8Array.of(0, 0, 0, 2);
  const loop = Uint8Array.of(0, 0, 0, 2);
  const cases: [number, Uint8Array][] = [[113, concat(sll, ip)], [276, concat(sll2, ip)], [101, ip], [228, ip],
    [0, concat(nullLe, ip)], [0, concat(nullBe, ip)], [108, concat(loop, ip)]];
  for (const [lt, data] of cases) {
    const [skip, p] = decodeOne(data, { linkType: lt });
    assert.equal(skip, Skip.None, `link type ${lt}`);
    assert.equal(p.srcPort, 1);
    assert.equal(p.payloadLen, 5);
  }
  const ip6 = ipv6Packet(udpDatagram(new Uint8Array(3), 5, 6), { src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 17 });
  const [skip6, p6] = decodeOne(ip6, { linkType: 101 });
  assert.equal(skip6, Skip.None);
  assert.equal(p6.ipVersion, 6);
  const [skipUnknown] = decodeOne(ip, { linkType: 147 });
  assert.equal(skipUnknown, Skip.UnsupportedLinkType);
});

test('IPv6 extension header chain: hop-by-hop, routing, destination options, then TCP', () => {
  const seg = tcpSegment(new Uint8Array(20), { srcPort: 1234, dstPort: 80, flags: TcpFlag.PSH | TcpFlag.ACK });
  const ip6 = ipv6Packet(seg, {
    src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 6,
    extensions: [{ type: 0, body: new Uint8Array(6) }, { type: 43, body: new Uint8Array(14) }, { type: 60, body: new Uint8Array(6) }],
  });
  const [skip, p] = decodeOne(ethernet(ip6, 0x86dd));
  assert.equal(skip, Skip.None);
  assert.equal(p.protocol, 6);
  assert.equal(p.ipHeaderLen, 40 + 8 + 16 + 8);
  assert.equal(p.dstPort, 80);
  assert.equal(p.payloadLen, 20);
  assert.equal(p.ipLen, ip6.length);
});

test('fragments: the first carries ports, later ones are IP-level only', () => {
  const first = ipv4Packet(udpDatagram(new Uint8Array(32), 7, 8).subarray(0, 24), { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, moreFragments: true, id: 9 });
  const [s1, p1] = decodeOne(ethernet(first, 0x0800));
  assert.equal(s1, Skip.None);
  assert.equal(p1.fragment, true);
  assert.equal(p1.srcPort, 7);
  const later = ipv4Packet(new Uint8Array(16), { src: '10.0.0.1', dst: '10.0.0.2', protocol: 17, fragOffset: 24, id: 9 });
  const [s2, p2] = decodeOne(ethernet(later, 0x0800));
  assert.equal(s2, Skip.None);
  assert.equal(p2.fragment, true);
  assert.equal(p2.fragOffset, 24);
  assert.equal(p2.l4, -1);
  assert.equal(p2.srcPort, 0);
  assert.equal(p2.payloadLen, 16);
  const frag6 = ipv6Packet(new Uint8Array(40), { src: '::1', dst: '::2', nextHeader: 17, extensions: [{ type: 44, body: Uint8Array.of(0x00, 0x31, 0, 0, 0, 1) }] });
  const [s3, p3] = decodeOne(ethernet(frag6, 0x86dd));
  assert.equal(s3, Skip.None);
  assert.equal(p3.fragOffset, 0x30);
  assert.equal(p3.l4, -1);
});

test('truncated and malformed headers are reported, never thrown', () => {
  const frame = tcp4Frame('1.2.3.4', '5.6.7.8', { srcPort: 1, dstPort: 2 });
  assert.equal(decodeOne(frame, { caplen: 10 })[0], Skip.TruncatedLink);
  assert.equal(decodeOne(frame, { caplen: 20 })[0], Skip.TruncatedIp);
  assert.equal(decodeOne(frame, { caplen: 40 })[0], Skip.TruncatedTransport);
  const bad = frame.slice(); bad[14] = 0x45 + 0x10; // version 5
  assert.equal(decodeOne(bad)[0], Skip.MalformedIp);
  const shortIhl = frame.slice(); shortIhl[14] = 0x44;
  assert.equal(decodeOne(shortIhl)[0], Skip.MalformedIp);
  const badOff = frame.slice(); badOff[14 + 20 + 12] = 0x30; // data offset 12 bytes
  assert.equal(decodeOne(badOff)[0], Skip.MalformedTransport);
  const arp = ethernet(new Uint8Array(28), 0x0806);
  assert.equal(decodeOne(arp)[0], Skip.NonIp);
  // A TCP option whose length runs past the header is counted, not thrown.
  const opt = tcp4Frame('1.2.3.4', '5.6.7.8', { srcPort: 1, dstPort: 2, options: Uint8Array.of(2, 40, 0, 0) });
  const [s, p] = decodeOne(opt);
  assert.equal(s, Skip.None);
  assert.equal(p.tcpBadOptions, 1);
});

test('every byte of random garbage decodes without throwing', () => {
  let seed = 12345;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const p = new Packet();
  for (let n = 0; n < 5000; n++) {
    const len = Math.floor(rnd() * 120);
    const data = new Uint8Array(len);
    for (let i = 0; i < len; i++) data[i] = Math.floor(rnd() * 256);
    if (len > 14 && rnd() < 0.5) { data[12] = 0x08; data[13] = 0; data[14] = 0x45; }
    const lt = [0, 1, 101, 113, 276, 108, 228, 229][n % 8];
    const b = batchOf([{ ts: n, data, linkType: lt }]);
    const skip = decodeRecord(b, 0, p);
    assert.ok(skip >= 0 && skip <= Skip.MalformedTransport);
    if (skip === Skip.None) assert.ok(p.payloadCaplen >= 0 && p.payloadCaplen <= len);
  }
});
