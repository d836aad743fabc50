#!/usr/bin/env bash
# Derives small JSON fixtures from the public captures with tshark (independent truth for the
# capture readers and, later, the flow tables). Run from anywhere:
#   scripts/make-tshark-fixtures.sh [DATA_DIR]        (default: ../shared/data relative to the repo)
#   SKIP_CORPUS=1 scripts/make-tshark-fixtures.sh     (only captures.json and conversations.json)
# Writes, into test/fixtures/tshark/:
#   captures.json       per capture of traffic-refinery/ and requet/: record count, first/last
#                       timestamp, sums of frame.len, frame.cap_len, timestamp seconds and nanoseconds
#   conversations.json  per capture: tshark's `-z conv,tcp -z conv,udp` conversations, with exact
#                       per-direction frames and bytes (see below)
#   corpus.json         per file of pcap-corpus/: record count, cap_len sum and whether tshark read
#                       the file to its end without an error
# tshark 4.0 prints conversation bytes rounded ("16 MB"), so exact frames and bytes are summed from
# per-frame fields grouped by tcp.stream / udp.stream (the index the conversation table is keyed by),
# and the table's own frame counts are kept beside them: the table leaves out frames whose TCP/UDP
# header is cut by the snaplen. The script fails if a table row has no per-frame match.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
data=${1:-"$here/../shared/data"}
data=$(cd "$data" && pwd)
out="$here/test/fixtures/tshark"
mkdir -p "$out"
command -v tshark >/dev/null || { echo "tshark missing: apt-get install -y tshark" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
quiet() { grep -v 'Running as user "root"' || true; }

# --- captures and conversations (traffic-refinery, requet) -------------------------------------
list=()
while IFS= read -r f; do list+=("$f"); done < <(cd "$data" && ls traffic-refinery/*.pcap requet/*.pcap requet/unlabeled/*.pcap)
i=0
for rel in "${list[@]}"; do
  i=$((i + 1))
  key=$(printf '%03d' "$i")
  echo "$rel" > "$tmp/$key.name"
  tshark -r "$data/$rel" -n -T fields -E occurrence=f \
    -e frame.time_epoch -e frame.len -e frame.cap_len \
    -e ip.src -e ip.dst -e ipv6.src -e ipv6.dst \
    -e tcp.srcport -e tcp.dstport -e tcp.stream -e udp.srcport -e udp.dstport -e udp.stream -e icmp.type -e icmpv6.type \
    > "$tmp/$key.fields" 2> >(quiet >&2)
  tshark -r "$data/$rel" -n -q -z conv,tcp -z conv,udp > "$tmp/$key.conv" 2> >(quiet >&2)
done

node - "$tmp" "$out" "$(tshark --version 2>/dev/null | head -1)" <<'JS'
const fs = require('fs');
const [tmp, out, version] = process.argv.slice(2);
const keys = fs.readdirSync(tmp).filter((f) => f.endsWith('.name')).map((f) => f.slice(0, -5)).sort();
const captures = {};
const conversations = {};
const parseTs = (s) => { const [a, b = ''] = s.split('.'); return [Number(a), Number((b + '000000000').slice(0, 9))]; };
for (const k of keys) {
  const name = fs.readFileSync(`${tmp}/${k}.name`, 'utf8').trim();
  const lines = fs.readFileSync(`${tmp}/${k}.fields`, 'utf8').split('\n').filter((l) => l.length);
  let sumLen = 0, sumCap = 0, sumSec = 0, sumNsec = 0, first = null, last = null;
  const conv = { tcp: new Map(), udp: new Map() };
  for (const l of lines) {
    const [ts, len, cap, ip4s, ip4d, ip6s, ip6d, tsp, tdp, tst, usp, udp, ust, icmp4, icmp6] = l.split('\t');
    const [sec, nsec] = parseTs(ts);
    sumSec += sec; sumNsec += nsec; sumLen += Number(len); sumCap += Number(cap);
    if (first === null) first = ts;
    last = ts;
    const src = ip4s || ip6s, dst = ip4d || ip6d;
    // An ICMP error quoting a TCP/UDP header belongs to no TCP/UDP conversation (the table agrees).
    if (icmp4 || icmp6) continue;
    const add = (map, stream, sp, dp) => {
      if (stream === '' || stream === undefined || !src) return;
      let c = map.get(stream);
      if (!c) { c = { a: src, aPort: Number(sp), b: dst, bPort: Number(dp), framesAB: 0, bytesAB: 0, framesBA: 0, bytesBA: 0, start: ts, end: ts }; map.set(stream, c); }
      if (src === c.a && Number(sp) === c.aPort) { c.framesAB++; c.bytesAB += Number(len); } else { c.framesBA++; c.bytesBA += Number(len); }
      c.end = ts;
    };
    add(conv.tcp, tst, tsp, tdp);
    add(conv.udp, ust, usp, udp);
  }
  captures[name] = { records: lines.length, firstTs: first, lastTs: last, sumFrameLen: sumLen, sumCapLen: sumCap, sumTsSec: sumSec, sumTsNsec: sumNsec };
  // The table: "A:pa <-> B:pb  framesBA bytesBA unit  framesAB bytesAB unit  total ..."
  const table = { tcp: [], udp: [] };
  let cur = null;
  for (const l of fs.readFileSync(`${tmp}/${k}.conv`, 'utf8').split('\n')) {
    if (/^TCP Conversations/.test(l)) cur = 'tcp'; else if (/^UDP Conversations/.test(l)) cur = 'udp';
    const m = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d+)\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(\d+)/.exec(l);
    if (m && cur) table[cur].push({ a: m[1], aPort: +m[2], b: m[3], bPort: +m[4], framesBA: +m[5], framesAB: +m[6], frames: +m[7] });
  }
  const result = {};
  for (const p of ['tcp', 'udp']) {
    const rows = [];
    const strip = (a) => a.replace(/^\[|\]$/g, '');
    const used = new Set();
    for (const c of conv[p].values()) {
      // The table row of the same endpoints (either orientation); it may lack frames, see below.
      let tab = [0, 0];
      const i = table[p].findIndex((t, j) => !used.has(j) && ((strip(t.a) === c.a && t.aPort === c.aPort && strip(t.b) === c.b && t.bPort === c.bPort) || (strip(t.b) === c.a && t.bPort === c.aPort && strip(t.a) === c.b && t.aPort === c.bPort)));
      if (i >= 0) {
        used.add(i);
        const t = table[p][i];
        tab = strip(t.a) === c.a && t.aPort === c.aPort ? [t.framesAB, t.framesBA] : [t.framesBA, t.framesAB];
        if (tab[0] > c.framesAB || tab[1] > c.framesBA) { console.error(`${name}: ${p} ${c.a}:${c.aPort} <-> ${c.b}:${c.bPort}: table has more frames than the fields`); process.exitCode = 1; }
      }
      rows.push([c.a, c.aPort, c.b, c.bPort, c.framesAB, c.bytesAB, c.framesBA, c.bytesBA, tab[0], tab[1]]);
    }
    table[p].forEach((t, j) => { if (!used.has(j)) { console.error(`${name}: ${p} table row ${t.a}:${t.aPort} <-> ${t.b}:${t.bPort} has no per-frame match`); process.exitCode = 1; } });
    result[p] = rows;
  }
  conversations[name] = result;
}
const header = (what) => ({ generatedBy: 'scripts/make-tshark-fixtures.sh', tshark: version, what });
fs.writeFileSync(`${out}/captures.json`, JSON.stringify({ ...header('per capture: tshark record count, first/last frame.time_epoch, sums of frame.len, frame.cap_len, epoch seconds and nanoseconds'), captures }, null, 1) + '\n');
const convText = Object.entries(conversations).map(([n, c]) => ` ${JSON.stringify(n)}: {\n  "tcp": [${c.tcp.map((r) => '\n   ' + JSON.stringify(r)).join(',')}],\n  "udp": [${c.udp.map((r) => '\n   ' + JSON.stringify(r)).join(',')}]}`).join(',\n');
fs.writeFileSync(`${out}/conversations.json`, `{"generatedBy": "scripts/make-tshark-fixtures.sh", "tshark": ${JSON.stringify(version)},\n "what": "per capture, tshark -z conv,tcp -z conv,udp: one row per tcp.stream / udp.stream index (a reused port pair after a close can be a new conversation): [addrA, portA, addrB, portB, framesAtoB, bytesAtoB, framesBtoA, bytesBtoA, tableFramesAtoB, tableFramesBtoA]; A is the source of the first frame; bytes are frame.len sums over every frame with the stream index; the table* columns are the frames tshark's conv table itself shows, which leaves out frames whose transport header is cut by the snaplen (e.g. a SYN with 24 bytes of options in a 72-byte capture)",\n "conversations": {\n${convText}\n}}\n`);
JS

# --- pcap-corpus: counts, and whether tshark read to the end -----------------------------------
# (several minutes; SKIP_CORPUS=1 keeps the existing corpus.json)
if [ "${SKIP_CORPUS:-}" = 1 ]; then ls -la "$out"; exit 0; fi
corpusOne() {
  f=$1
  b=$(basename "$f")
  err=$(timeout 60 tshark -r "$f" -n -T fields -e frame.cap_len 2>&1 >"$2/$b.out" | quiet | tr '\n' ' ' || true)
  rc=${PIPESTATUS[0]:-0}
  printf '%s' "$err" > "$2/$b.err"
}
export -f corpusOne quiet
mkdir -p "$tmp/corpus"
ls "$data"/pcap-corpus/* | xargs -P "$(nproc)" -I{} bash -c 'corpusOne "$1" "$2"' _ {} "$tmp/corpus"
node - "$tmp/corpus" "$out" "$(tshark --version 2>/dev/null | head -1)" "$data" <<'JS'
const fs = require('fs');
const [dir, out, version, data] = process.argv.slice(2);
const names = fs.readdirSync(dir).filter((f) => f.endsWith('.out')).map((f) => f.slice(0, -4)).sort();
const rows = names.map((n) => {
  const caps = fs.readFileSync(`${dir}/${n}.out`, 'utf8').split('\n').filter((l) => l.length);
  const err = fs.readFileSync(`${dir}/${n}.err`, 'utf8').trim().split(data + '/').join('');
  const sum = caps.reduce((s, c) => s + Number(c), 0);
  return `  ${JSON.stringify(n)}: ${JSON.stringify(err ? { records: caps.length, sumCapLen: sum, complete: false, error: err.slice(0, 200) } : { records: caps.length, sumCapLen: sum, complete: true })}`;
});
fs.writeFileSync(`${out}/corpus.json`, `{"generatedBy": "scripts/make-tshark-fixtures.sh", "tshark": ${JSON.stringify(version)},\n "what": "per pcap-corpus file: tshark record count and frame.cap_len sum; complete=false when tshark reported an error (error text kept)",\n "files": {\n${rows.join(',\n')}\n}}\n`);
JS
ls -la "$out"
