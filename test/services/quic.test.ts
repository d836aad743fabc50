import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  initialKeys, hkdfExtract, INITIAL_SALT_V1, protectClientInitial, protectInitial, parseClientInitial, cryptoFrame,
  buildClientHello, buildServerHello, parseTlsClientHelloSni, parseClientHelloMessage, tlsRecord, encodeVarint, readVarint,
  ParsedInitial,
} from '../../src/services/quic';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

// RFC 9001 Appendix A: Destination Connection ID 0x8394c8f03e515708.
const DCID = hex('8394c8f03e515708');

// A.2: the CRYPTO frame (ClientHello for "example.com") carried by the client Initial.
const A2_CRYPTO_FRAME = hex(`
  060040f1010000ed0303ebf8fa56f129 39b9584a3896472ec40bb863cfd3e868
  04fe3a47f06a2b69484c000004130113 02010000c000000010000e00000b6578
  616d706c652e636f6dff01000100000a 00080006001d00170018001000070005
  04616c706e0005000501000000000033 00260024001d00209370b2c9caa47fba
  baf4559fedba753de171fa71f50f1ce1 5d43e994ec74d748002b000302030400
  0d0010000e0403050306030203080408 050806002d00020101001c0002400100
  3900320408ffffffffffffffff050480 00ffff07048000ffff08011001048000
  75300901100f088394c8f03e51570806 048000ffff`);

// A.2: the protected 1200-byte client Initial packet.
const A2_PROTECTED = hex(`
  c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11
  d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399
  1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c
  8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212
  30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5
  457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208
  4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec
  4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3
  485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db
  059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c
  7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8
  9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556
  be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74
  68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a
  c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00
  f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632
  291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964
  25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd
  14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff
  ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198
  e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd
  c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73
  203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f
  cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e
  fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade
  a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047
  90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2
  162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4
  40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0
  6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e
  8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0
  be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400
  54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab
  760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9
  f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4
  056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064
  7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241
  e221af44860018ab0856972e194cd934`);

// A.3: the server Initial (payload: ACK + CRYPTO(ServerHello)) and its protected form.
const A3_PAYLOAD = hex(`
  02000000000600405a020000560303ee fce7f7b37ba1d1632e96677825ddf739
  88cfc79825df566dc5430b9a045a1200 130100002e00330024001d00209d3c94
  0d89690b84d08a60993c144eca684d10 81287c834d5311bcf32bb9da1a002b00
  020304`);
const A3_PROTECTED = hex(`
  cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
  5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
  dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
  022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
  2158407dd074ee`);

function ok(r: ParsedInitial | { error: string }): ParsedInitial {
  if ('error' in r) assert.fail(`unexpected error ${r.error}`);
  return r as ParsedInitial;
}

test('RFC 9001 A.1: initial secret and client/server Initial keys', () => {
  assert.equal(toHex(hkdfExtract(INITIAL_SALT_V1, DCID)), '7db5df06e7a69e432496adedb00851923595221596ae2ae9fb8115c1e9ed0a44');
  const c = initialKeys(DCID, 'client');
  assert.equal(toHex(c.secret), 'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
  assert.equal(toHex(c.key), '1f369613dd76d5467730efcbe3b1a22d');
  assert.equal(toHex(c.iv), 'fa044b2f42a3fd3b46fb255c');
  assert.equal(toHex(c.hp), '9f50449e04a0e810283a1e9933adedd2');
  const s = initialKeys(DCID, 'server');
  assert.equal(toHex(s.secret), '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
  assert.equal(toHex(s.key), 'cf3a5331653c364c88f0f379b6067e37');
  assert.equal(toHex(s.iv), '0ac1493ca1905853b0bba03e');
  assert.equal(toHex(s.hp), 'c206b8d9b9f0f37644430b490eeaa314');
});

test('RFC 9001 A.2: decrypting the protected client Initial yields the RFC CRYPTO frame and SNI example.com', () => {
  assert.equal(A2_PROTECTED.length, 1200);
  const r = ok(parseClientInitial(A2_PROTECTED));
  assert.equal(r.packetNumber, 2);
  assert.equal(toHex(r.dcid), '8394c8f03e515708');
  assert.equal(r.plaintext.length, 1162);
  assert.equal(toHex(r.plaintext.subarray(0, A2_CRYPTO_FRAME.length)), toHex(A2_CRYPTO_FRAME));
  assert.ok(r.plaintext.subarray(A2_CRYPTO_FRAME.length).every((b) => b === 0), 'the rest is PADDING');
  assert.deepEqual(r.frames, ['CRYPTO', 'PADDING']);
  assert.equal(toHex(r.crypto), toHex(A2_CRYPTO_FRAME.subarray(4)));
  assert.equal(r.sni, 'example.com');
  assert.deepEqual(r.alpn, ['alpn']);
});

test('RFC 9001 A.2: protecting the RFC payload reproduces the RFC packet byte for byte', () => {
  const payload = new Uint8Array(1162);
  payload.set(A2_CRYPTO_FRAME);
  const packet = protectInitial({ side: 'client', originalDcid: DCID, packetNumber: 2, pnLength: 4, payload });
  assert.equal(toHex(packet), toHex(A2_PROTECTED));
});

test('RFC 9001 A.3: server Initial protection and removal', () => {
  const packet = protectInitial({
    side: 'server', originalDcid: DCID, dcid: new Uint8Array(0), scid: hex('f067a5502a4262b5'), packetNumber: 1, pnLength: 2, payload: A3_PAYLOAD,
  });
  assert.equal(toHex(packet), toHex(A3_PROTECTED));
  const r = ok(parseClientInitial(A3_PROTECTED, 'server', DCID));
  assert.equal(r.packetNumber, 1);
  assert.deepEqual(r.frames, ['ACK', 'CRYPTO']);
  assert.equal(r.crypto[0], 0x02, 'a ServerHello');
  assert.equal(r.sni, undefined);
  assert.equal(r.sniError, 'not-client-hello');
});

test('round trip: buildClientHello -> protectClientInitial -> parseClientInitial', () => {
  const dcid = hex('0123456789abcdef');
  const hello = buildClientHello('rr3---sn-5uaeznel.googlevideo.com', { alpn: ['h3'], quicTransportParameters: hex('0104800075300504801000000604801000000704801000000804c0000000ffffffffffffffff') });
  const dgram = protectClientInitial({ dcid, clientHello: hello, datagramSize: 1250, packetNumber: 0 });
  assert.equal(dgram.length, 1250);
  const r = ok(parseClientInitial(dgram));
  assert.equal(r.sni, 'rr3---sn-5uaeznel.googlevideo.com');
  assert.deepEqual(r.alpn, ['h3']);
  assert.equal(toHex(r.crypto), toHex(hello));
  // The same hello split over three CRYPTO frames written out of order is reassembled by offset.
  const split = ok(parseClientInitial(protectClientInitial({ dcid, clientHello: hello, cryptoFrameSize: 100, packetNumber: 7, pnLength: 2 })));
  assert.equal(split.frames.filter((f) => f === 'CRYPTO').length, Math.ceil(hello.length / 100));
  assert.equal(split.sni, 'rr3---sn-5uaeznel.googlevideo.com');
  assert.equal(split.packetNumber, 7);
});

test('a ClientHello continuing in a later Initial: SNI still found when its extension is complete, else an error code', () => {
  const dcid = hex('1111222233334444');
  const hello = buildClientHello('www.example.org', { quicTransportParameters: new Uint8Array(0) });
  const firstHalf = protectInitial({ side: 'client', originalDcid: dcid, payload: cryptoFrame(0, hello.subarray(0, 80)), minPacketSize: 1200 });
  const r1 = ok(parseClientInitial(firstHalf));
  assert.equal(r1.sni, 'www.example.org');
  const tiny = protectInitial({ side: 'client', originalDcid: dcid, payload: cryptoFrame(0, hello.subarray(0, 30)), minPacketSize: 1200 });
  const r2 = ok(parseClientInitial(tiny));
  assert.equal(r2.sni, undefined);
  assert.equal(r2.sniError, 'client-hello-incomplete');
  const gap = protectInitial({ side: 'client', originalDcid: dcid, payload: cryptoFrame(100, hello.subarray(100)), minPacketSize: 1200 });
  const r3 = ok(parseClientInitial(gap));
  assert.equal(r3.sniError, 'client-hello-incomplete');
});

test('truncated, corrupted and foreign datagrams return an error, never throw', () => {
  const good = protectClientInitial({ dcid: DCID, clientHello: buildClientHello('video.example', { quicTransportParameters: new Uint8Array(0) }) });
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte', good.subarray(0, 1)],
    ['header only', good.subarray(0, 20)],
    ['half', good.subarray(0, 600)],
    ['short header packet', Uint8Array.of(0x40, 1, 2, 3, 4, 5, 6, 7, 8, 9)],
    ['version negotiation', Uint8Array.of(0xc0, 0, 0, 0, 0, 0, 0)],
    ['draft version', (() => { const b = good.slice(); b[4] = 0x1d; return b; })()],
    ['handshake type', (() => { const b = good.slice(); b[0] = (b[0] & 0xcf) | 0x20; return b; })()],
    ['dcid length 200', (() => { const b = good.slice(); b[5] = 200; return b; })()],
    ['length beyond datagram', (() => { const b = good.slice(); b[5 + 1 + 8 + 1 + 1] = 0x7f; return b; })()],
  ];
  for (let i = 0; i < 1200; i += 97) cases.push([`bit flip at ${i}`, (() => { const b = good.slice(); b[i] ^= 0x10; return b; })()]);
  for (const [name, bytes] of cases) {
    let r: ReturnType<typeof parseClientInitial> | undefined;
    assert.doesNotThrow(() => { r = parseClientInitial(bytes); }, name);
    assert.ok(r && ('error' in r || r.sni === undefined || r.sni === 'video.example'), name);
    if (!name.startsWith('bit flip')) assert.ok(r && 'error' in r, `${name}: ${JSON.stringify(r)}`);
  }
  // Every byte position corrupted: an error each time (authentication fails or the header is invalid).
  let errors = 0;
  for (let i = 0; i < good.length; i += 7) { const b = good.slice(); b[i] ^= 0xff; const r = parseClientInitial(b); if ('error' in r) errors++; }
  assert.equal(errors, Math.ceil(good.length / 7));
  // Random garbage with a long header bit.
  let seed = 12345;
  for (let n = 0; n < 200; n++) {
    const b = new Uint8Array(1 + (n * 37) % 1300);
    for (let i = 0; i < b.length; i++) { seed = (seed * 1103515245 + 12345) >>> 0; b[i] = seed >>> 24; }
    b[0] |= 0x80;
    assert.doesNotThrow(() => parseClientInitial(b));
  }
});

test('TLS over TCP: SNI from a ClientHello record; reason codes for truncated and malformed input', () => {
  const hello = buildClientHello('www.netflix.com', { alpn: ['h2', 'http/1.1'], padTo: 512 });
  assert.equal(hello.length, 512);
  const record = tlsRecord(0x16, hello, 0x0301);
  const r = parseTlsClientHelloSni(record);
  assert.equal(r.sni, 'www.netflix.com');
  assert.deepEqual((r as { alpn?: string[] }).alpn, ['h2', 'http/1.1']);
  // Truncated at every length: never throws, 'truncated' before the name is complete, the name after.
  const sniEnd = record.indexOf(0x6d, 60) + 1; // last byte of "...netflix.com"
  for (let n = 0; n < record.length; n++) {
    const x = parseTlsClientHelloSni(record.subarray(0, n));
    if (n === 0) assert.equal(x.sni, undefined);
    else if (x.sni === undefined) assert.equal((x as { reason: string }).reason, 'truncated', `length ${n}`);
    else assert.ok(n >= sniEnd && x.sni === 'www.netflix.com', `length ${n}`);
  }
  assert.equal(parseTlsClientHelloSni(record.subarray(0, 200)).sni, 'www.netflix.com');
  // A hello split over two handshake records.
  const split = new Uint8Array([...tlsRecord(0x16, hello.subarray(0, 50)), ...tlsRecord(0x16, hello.subarray(50))]);
  assert.equal(parseTlsClientHelloSni(split).sni, 'www.netflix.com');
  // Not TLS, not a ClientHello, no SNI, inconsistent lengths.
  assert.deepEqual(parseTlsClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n')), { reason: 'not-tls' });
  assert.deepEqual(parseTlsClientHelloSni(tlsRecord(0x16, buildServerHello())), { reason: 'not-client-hello' });
  const bad = record.slice(); bad[5 + 4 + 2 + 32] = 33; // session id length > 32
  assert.deepEqual(parseTlsClientHelloSni(bad), { reason: 'malformed' });
  const bad2 = record.slice(); bad2[3] = 0; bad2[4] = 0; // zero-length record
  assert.deepEqual(parseTlsClientHelloSni(bad2), { reason: 'malformed' });
  // A hello cut inside its fixed fields, and a minimal hello without extensions.
  assert.deepEqual(parseClientHelloMessage(Uint8Array.of(1, 0, 0, 38, 3, 3, ...new Uint8Array(32), 0, 0, 0)), { reason: 'truncated' });
  const minimal = Uint8Array.of(1, 0, 0, 41, 3, 3, ...new Uint8Array(32), 0, 0, 2, 0x13, 0x01, 1, 0);
  assert.deepEqual(parseClientHelloMessage(minimal), { reason: 'no-sni' });
  // Random bytes never throw.
  let seed = 99;
  for (let n = 0; n < 500; n++) {
    const b = record.slice();
    for (let k = 0; k < 4; k++) { seed = (seed * 1103515245 + 12345) >>> 0; b[(seed >>> 8) % b.length] = seed >>> 24; }
    assert.doesNotThrow(() => parseTlsClientHelloSni(b));
  }
});

test('varints round trip', () => {
  for (const v of [0, 1, 63, 64, 16383, 16384, 1073741823, 1073741824, 2 ** 40 + 5]) {
    const e = encodeVarint(v);
    assert.deepEqual(readVarint(e, 0), [v, e.length]);
  }
  assert.equal(readVarint(Uint8Array.of(0x40), 0), null);
});
