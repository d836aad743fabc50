#!/usr/bin/python3
"""Derives per-flow packet and IP-byte totals with tshark, as independent truth for the
flow table and PacketCounters. Writes test/fixtures/tshark/flows.json (small, committed).

Usage: scripts/make-flow-fixtures.py [SHARED_DATA_DIR]   (default ../shared/data)
Each flow is keyed by protocol and its two endpoints in sorted order; totals are per
direction. IP bytes are the IP header's length field (ip.len, or ipv6.plen + 40), which
is what PacketCounters counts, correct even on truncated (72-byte snaplen) captures.
"""
import json, os, subprocess, sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data')
captures = ['traffic-refinery/short_clean_dump.pcap', 'traffic-refinery/short_dns.pcap', 'traffic-refinery/short_test.pcap',
            'requet/baseline_Mar22_exp_46.pcap', 'requet/movement_Apr20_exp_135.pcap', 'requet/unlabeled/C_baseline_May14_exp_345.pcap']
fields = ['ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'ip.len', 'ipv6.plen', 'tcp.srcport', 'tcp.dstport', 'udp.srcport', 'udp.dstport']
out = {'generatedBy': 'scripts/make-flow-fixtures.py', 'tshark': subprocess.run(['tshark', '-v'], capture_output=True, text=True).stdout.splitlines()[0],
       'what': 'per capture: flows keyed "proto|addrA|portA|addrB|portB" (A < B as (address, port) text), value [packetsAtoB, ipBytesAtoB, packetsBtoA, ipBytesBtoA]; '
               'only plain TCP/UDP packets (no ICMP-quoted headers, no tunnels, no non-first fragments)',
       'flows': {}}
for rel in captures:
    path = os.path.join(root, rel)
    cmd = ['tshark', '-r', path, '-Y', '(tcp or udp) and not icmp and not icmpv6 and not (ip.frag_offset > 0)', '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=;']
    for f in fields: cmd += ['-e', f]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    flows = {}
    skipped = 0
    for line in res.stdout.splitlines():
        v = line.split('\t')
        if any(';' in x for x in v):
            skipped += 1  # tunnels: several IP or transport headers
            continue
        src, dst = (v[0], v[1]) if v[0] else (v[2], v[3])
        length = int(v[4]) if v[4] else int(v[5]) + 40
        if v[6]:
            proto, sp, dp = 'tcp', int(v[6]), int(v[7])
        else:
            proto, sp, dp = 'udp', int(v[8]), int(v[9])
        a, b = (src, sp), (dst, dp)
        fwd = (a[0], a[1]) <= (b[0], b[1])
        lo, hi = (a, b) if fwd else (b, a)
        key = f'{proto}|{lo[0]}|{lo[1]}|{hi[0]}|{hi[1]}'
        t = flows.setdefault(key, [0, 0, 0, 0])
        if fwd: t[0] += 1; t[1] += length
        else: t[2] += 1; t[3] += length
    out['flows'][rel] = {'skippedTunnelled': skipped, 'flows': flows}
dest = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'tshark', 'flows.json')
with open(dest, 'w') as fh:
    json.dump(out, fh, separators=(',', ':'))
print(f'wrote {dest}: ' + ', '.join(f"{k} {len(v['flows'])} flows" for k, v in out['flows'].items()))
