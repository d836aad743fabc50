/**
 * Importer for the Requet dataset (Gutterman et al., MMSys 2019): `*_merged.txt` ground truth
 * (one record per 100 ms) plus the capture of the same name, into the shared label schema
 * (sessions.csv / labels.csv, see labels.ts).
 *
 * Record format (README-upstream.md):
 *   [RelativeTime, #PktsSent, #PktsRecv, #BytesSent, #BytesRecv, [NetworkInfo x25], [PlaybackInfo]]
 *   NetworkInfo  = [IP Src, IP Dst, Protocol, #PktsSent, #PktsRecv, #BytesSent, #BytesRecv]
 *   PlaybackInfo = [[buffering, paused, playing, collect], EpochTime ms, StartTime ms, PlaybackProgress,
 *                   VideoLength, [unlabelled,144,240,360,480,720,1080,1440,2160], BufferHealth,
 *                   BufferProgress, BufferValid]
 * The files are not JSON (addresses are bare tokens like 0.0.0.0, `true`, `-1`), so a small
 * bracket tokenizer reads them; any structural problem is reported as `file:line: message`.
 *
 * Time alignment. RelativeTime is the end of each 100 ms interval, counted from the first packet
 * of the capture (the merged file is a tshark summary of that capture; its interval 0 holds the
 * packets up to the first one). We verified it on both labelled sessions: binning the capture's
 * packets into 100 ms intervals starting at its first timestamp reproduces the per-interval packet
 * counts of the merged file (28,258 packets, 128 misplaced, for baseline_Mar22_exp_46; 37,607 and
 * 119 for movement_Apr20_exp_135), while any other offset does worse. StartTime (epoch ms, when the
 * JavaScript server started) is *not* t = 0: it is 0.095 s before the first packet in one session
 * and 0.495 s after it in the other, and every event's EpochTime is <= StartTime-of-capture + RelativeTime.
 * Hence start_ts = the capture's first packet timestamp, and label second t covers the records
 * with RelativeTime in (t, t + 1]. Without a readable capture, start_ts falls back to StartTime
 * (documented as approximate, ±0.5 s).
 */
import { readFile, readdir, stat, mkdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { scanRecords, decodeRecord } from './pcapScan';
import { LabelRecord, PlayState, SessionRecord, writeDatasetCsvs } from './labels';

export const REQUET_QUALITIES: readonly (number | null)[] = [null, 144, 240, 360, 480, 720, 1080, 1440, 2160];

export interface RequetRecord {
  /** 1-based line number in the file. */
  line: number;
  rel: number;
  pktsSent: number;
  pktsRecv: number;
  bytesSent: number;
  bytesRecv: number;
  /** IP Src values of the Network Info entries that look like addresses (not 0 / 0.0.0.0). */
  srcIps: string[];
  events: { buffering: boolean; paused: boolean; playing: boolean; collect: boolean };
  epochMs: number;
  startMs: number;
  progress: number;
  videoLength: number;
  /** Heights flagged in the quality one-hot (null = unlabelled). */
  qualities: (number | null)[];
  bufferHealth: number;
  bufferProgress: number;
  /** 'true', 'false' or '-1' as written. */
  bufferValid: string;
}

export class RequetFormatError extends Error {
  constructor(readonly file: string, readonly line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = 'RequetFormatError';
  }
}

type Tok = string | Tok[];

/** Tokenizes one bracketed record; tokens stay strings. Throws Error with a column hint. */
function tokenize(s: string): Tok {
  const stack: Tok[][] = [];
  let root: Tok | undefined;
  let cur = '';
  let hasCur = false;
  let needValue = false; // after "[" or ","
  let afterComma = false;
  const flush = (): void => {
    if (!hasCur) return;
    stack[stack.length - 1].push(cur.trim());
    cur = ''; hasCur = false;
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '[') {
      if (hasCur) throw new Error(`unexpected "[" after "${cur.trim()}" at column ${i + 1}`);
      const arr: Tok[] = [];
      if (stack.length) stack[stack.length - 1].push(arr);
      else if (root !== undefined) throw new Error(`text after the record at column ${i + 1}`);
      else root = arr;
      stack.push(arr);
      needValue = true; afterComma = false;
    } else if (c === ']') {
      if (!stack.length) throw new Error(`unbalanced "]" at column ${i + 1}`);
      if (afterComma && !hasCur) throw new Error(`empty value at column ${i + 1}`);
      flush();
      stack.pop();
      needValue = false; afterComma = false;
    } else if (c === ',') {
      if (!stack.length) throw new Error(`"," outside brackets at column ${i + 1}`);
      if (needValue && !hasCur) throw new Error(`empty value at column ${i + 1}`);
      flush();
      needValue = true; afterComma = true;
    } else if (c === ' ' || c === '\t' || c === '\r') {
      if (hasCur) cur += c;
    } else {
      if (!stack.length) throw new Error(`unexpected "${c}" outside brackets at column ${i + 1}`);
      cur += c; hasCur = true;
    }
  }
  if (stack.length) throw new Error('unterminated record (missing "]")');
  if (root === undefined) throw new Error('no record');
  return root;
}

function numTok(t: Tok | undefined, what: string): number {
  if (typeof t !== 'string') throw new Error(`${what}: expected a number, found ${t === undefined ? 'nothing' : 'a list'}`);
  const v = Number(t);
  if (!Number.isFinite(v)) throw new Error(`${what}: expected a number, found "${t}"`);
  return v;
}

/** A number, or NaN for the `null` the files use when the player reports nothing. */
function numOrNullTok(t: Tok | undefined, what: string): number {
  return t === 'null' ? NaN : numTok(t, what);
}

function listTok(t: Tok | undefined, what: string, len?: number): Tok[] {
  if (!Array.isArray(t)) throw new Error(`${what}: expected a list, found ${t === undefined ? 'nothing' : `"${t}"`}`);
  if (len !== undefined && t.length !== len) throw new Error(`${what}: expected ${len} values, found ${t.length}`);
  return t;
}

function bitsTok(t: Tok | undefined, what: string, len: number): boolean[] {
  return listTok(t, what, len).map((x, i) => {
    const v = numTok(x, `${what}[${i}]`);
    if (v !== 0 && v !== 1) throw new Error(`${what}[${i}]: expected 0 or 1, found ${v}`);
    return v === 1;
  });
}

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Parses one record line (1-based `line` for messages). */
export function parseRequetLine(text: string, file: string, line: number): RequetRecord {
  try {
    const root = listTok(tokenize(text), 'record');
    if (root.length !== 7) throw new Error(`expected 7 fields [time, 4 counters, network info, playback info], found ${root.length}`);
    const rel = numTok(root[0], 'RelativeTime');
    const counts = [1, 2, 3, 4].map((i) => numTok(root[i], ['#PacketsSent', '#PacketsReceived', '#BytesSent', '#BytesReceived'][i - 1]));
    const ni = listTok(root[5], 'NetworkInfo');
    const srcIps: string[] = [];
    ni.forEach((e, i) => {
      const entry = listTok(e, `NetworkInfo[${i}]`);
      if (entry.length < 2) throw new Error(`NetworkInfo[${i}]: expected 7 values, found ${entry.length}`);
      const src = entry[0];
      if (typeof src === 'string' && IPV4.test(src) && src !== '0.0.0.0') srcIps.push(src);
    });
    const pb = listTok(root[6], 'PlaybackInfo', 9);
    const ev = bitsTok(pb[0], 'PlaybackEvent', 4);
    const q = bitsTok(pb[5], 'PlaybackQuality', 9);
    const valid = pb[8];
    if (typeof valid !== 'string' || !['true', 'false', '-1', 'True', 'False'].includes(valid)) throw new Error(`BufferValid: expected true, false or -1, found ${JSON.stringify(valid)}`);
    return {
      line, rel, pktsSent: counts[0], pktsRecv: counts[1], bytesSent: counts[2], bytesRecv: counts[3], srcIps,
      events: { buffering: ev[0], paused: ev[1], playing: ev[2], collect: ev[3] },
      epochMs: numTok(pb[1], 'EpochTime'), startMs: numTok(pb[2], 'StartTime'), progress: numOrNullTok(pb[3], 'PlaybackProgress'),
      videoLength: numTok(pb[4], 'VideoLength'),
      qualities: q.map((b, i) => (b ? REQUET_QUALITIES[i] : undefined)).filter((x): x is number | null => x !== undefined),
      bufferHealth: numOrNullTok(pb[6], 'BufferHealth'), bufferProgress: numOrNullTok(pb[7], 'BufferProgress'), bufferValid: valid.toLowerCase(),
    };
  } catch (e) {
    throw new RequetFormatError(file, line, (e as Error).message);
  }
}

/** Parses a whole `*_merged.txt` (blank lines allowed); records must be in time order. */
export function parseRequetMerged(text: string, file: string): RequetRecord[] {
  const out: RequetRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (l === '') continue;
    const r = parseRequetLine(l, file, i + 1);
    if (out.length && r.rel < out[out.length - 1].rel - 1e-6) throw new RequetFormatError(file, i + 1, `RelativeTime ${r.rel} goes back in time (previous ${out[out.length - 1].rel})`);
    out.push(r);
  }
  if (out.length === 0) throw new RequetFormatError(file, 1, 'no records');
  return out;
}

export interface RequetAlignment {
  /** First packet timestamp (epoch s) = start_ts. */
  firstPacketTs: number;
  /** StartTime of the API server (epoch s). */
  startTime: number;
  /** firstPacketTs - startTime. */
  offsetS: number;
  /** Share of the capture's packets that fall in the same 100 ms interval as the merged file counts them (1 = perfect). */
  countAgreement: number;
}

export interface RequetSession {
  session: SessionRecord;
  labels: LabelRecord[];
  records: number;
  alignment: RequetAlignment | null;
}

export interface ImportOptions {
  /** Write sessions.csv and labels.csv into this folder (the captures are referenced by absolute path). */
  out?: string;
  /** Capture path(s): one per merged file (same order), or a function of the merged file path. Default: `<name>.pcap` beside it. */
  pcap?: string | string[] | ((mergedPath: string) => string);
  /** Service name written in sessions.csv (default "Youtube", the name in the Traffic Refinery config). */
  service?: string;
}

export interface ImportResult {
  sessions: SessionRecord[];
  labels: LabelRecord[];
  details: RequetSession[];
  out?: string;
}

function sessionName(mergedPath: string): string {
  return basename(mergedPath).replace(/_merged\.txt$/i, '').replace(/\.txt$/i, '');
}

function stateOf(r: RequetRecord): 'buffering' | 'paused' | 'playing' | null {
  // Several events in one 100 ms interval never occur in the public files; if they do, playing wins
  // over paused over buffering (the last state of the usual buffering -> playing transition).
  if (r.events.playing) return 'playing';
  if (r.events.paused) return 'paused';
  if (r.events.buffering) return 'buffering';
  return null;
}

/**
 * Converts the 100 ms records of one session into per-second labels.
 * State: the carried-forward playback region (startup before the first playing event, stalled for
 * buffering after it); a second takes the state held by most of its intervals (ties: the later).
 * Resolution: majority of the quality flags of the second's playing intervals (null if none).
 * buffer_s: Buffer Health of the second's last interval (clamped at 0). The session ends with the
 * last interval where the API still reported data (BufferValid != -1 after playback started).
 */
export function requetLabels(sessionId: string, records: RequetRecord[]): { labels: LabelRecord[]; startupDelay: number; duration: number } {
  let region: PlayState = 'startup';
  let started = false;
  let startupDelay = NaN;
  const perRecord: { t: number; state: PlayState; qualities: (number | null)[]; health: number }[] = [];
  let lastValid = -1;
  records.forEach((r, i) => {
    const s = stateOf(r);
    if (s === 'playing') {
      if (!started) { started = true; startupDelay = r.rel; }
      region = 'playing';
    } else if (s === 'paused') region = 'paused';
    else if (s === 'buffering') region = started ? 'stalled' : 'startup';
    perRecord.push({ t: r.rel, state: region, qualities: r.qualities, health: r.bufferHealth });
    if (r.bufferValid !== '-1') lastValid = i;
  });
  const endIdx = lastValid >= 0 ? lastValid : records.length - 1;
  const duration = Math.max(0, records[endIdx].rel);
  const nSeconds = Math.max(1, Math.ceil(duration - 1e-9));
  const labels: LabelRecord[] = [];
  let j = 0;
  for (let t = 0; t < nSeconds; t++) {
    const stateCount = new Map<PlayState, { n: number; last: number }>();
    const qCount = new Map<number, { n: number; last: number }>();
    let health = 0;
    let any = false;
    while (j <= endIdx) {
      const k = Math.round(perRecord[j].t * 10);
      const sec = k <= 0 ? 0 : Math.floor((k - 1) / 10);
      if (sec > t) break;
      if (sec === t) {
        const pr = perRecord[j];
        const c = stateCount.get(pr.state) ?? { n: 0, last: 0 };
        c.n++; c.last = j; stateCount.set(pr.state, c);
        if (pr.state === 'playing') for (const q of pr.qualities) if (q !== null) { const e = qCount.get(q) ?? { n: 0, last: 0 }; e.n++; e.last = j; qCount.set(q, e); }
        if (Number.isFinite(pr.health)) health = pr.health;
        any = true;
      }
      j++;
    }
    if (!any) continue;
    let state: PlayState = 'startup';
    let best = { n: -1, last: -1 };
    for (const [s, c] of stateCount) if (c.n > best.n || (c.n === best.n && c.last > best.last)) { best = c; state = s; }
    let res: number | null = null;
    let bq = { n: -1, last: -1 };
    for (const [q, c] of qCount) if (c.n > bq.n || (c.n === bq.n && c.last > bq.last)) { bq = c; res = q; }
    labels.push({ session_id: sessionId, t, state, resolution: res, buffer_s: Math.max(0, Math.round(health * 1000) / 1000) });
  }
  return { labels, startupDelay, duration };
}

/** Per-100 ms packet counts of the capture vs the merged file, with t = 0 at the first packet. */
function alignmentOf(records: RequetRecord[], timestamps: number[]): number {
  if (timestamps.length === 0) return 0;
  const t0 = timestamps[0];
  const maxK = Math.round(records[records.length - 1].rel * 10);
  const bins = new Map<number, number>();
  for (const ts of timestamps) {
    const k = Math.max(0, Math.ceil((ts - t0) * 10 - 1e-6));
    if (k <= maxK) bins.set(k, (bins.get(k) ?? 0) + 1);
  }
  let diff = 0, total = 0;
  for (const r of records) {
    const k = Math.round(r.rel * 10);
    const want = r.pktsSent + r.pktsRecv;
    diff += Math.abs((bins.get(k) ?? 0) - want);
    total += want;
  }
  return total ? Math.max(0, 1 - diff / (2 * total)) : 0;
}

async function captureFacts(path: string): Promise<{ first: number; timestamps: number[]; dominant?: string } | null> {
  let buf: Buffer;
  try { buf = await readFile(path); } catch { return null; }
  const timestamps: number[] = [];
  const counts = new Map<string, number>();
  for (const r of scanRecords(buf)) {
    if (Number.isFinite(r.ts)) timestamps.push(r.ts);
    const p = decodeRecord(r);
    if (p.ipVersion) { counts.set(p.src, (counts.get(p.src) ?? 0) + 1); counts.set(p.dst, (counts.get(p.dst) ?? 0) + 1); }
  }
  let dominant: string | undefined;
  let n = -1;
  for (const [a, c] of counts) if (c > n) { n = c; dominant = a; }
  return { first: timestamps.length ? timestamps[0] : NaN, timestamps, dominant };
}

function pcapFor(o: ImportOptions, merged: string, i: number): string {
  if (typeof o.pcap === 'function') return resolve(o.pcap(merged));
  if (Array.isArray(o.pcap)) {
    if (o.pcap[i] === undefined) throw new Error(`importRequet: no capture given for ${merged} (pcap[${i}])`);
    return resolve(o.pcap[i]);
  }
  if (typeof o.pcap === 'string') return resolve(o.pcap);
  return resolve(dirname(merged), `${sessionName(merged)}.pcap`);
}

/** Imports one session (merged file + its capture). */
export async function importRequetSession(mergedPath: string, pcapPath: string, service = 'Youtube'): Promise<RequetSession> {
  const file = resolve(mergedPath);
  const text = await readFile(file, 'utf8');
  const records = parseRequetMerged(text, file);
  const id = sessionName(file);
  const { labels, startupDelay, duration } = requetLabels(id, records);
  const facts = await captureFacts(pcapPath);
  if (!facts) throw new Error(`importRequet: cannot read the capture ${pcapPath} for ${file} (pass { pcap } to point at it)`);
  const startTime = records[0].startMs / 1000;
  const start = Number.isFinite(facts.first) ? facts.first : startTime;
  const ipCounts = new Map<string, number>();
  for (const r of records) for (const ip of r.srcIps) ipCounts.set(ip, (ipCounts.get(ip) ?? 0) + 1);
  let client = '';
  let best = 0;
  for (const [ip, c] of ipCounts) if (c > best) { best = c; client = ip; }
  // The public merged files carry zeros in Network Info; then the device is the capture's dominant address.
  if (!client) client = facts.dominant ?? '';
  if (!client) throw new Error(`importRequet: no client address for ${file} (Network Info is empty and the capture has no IP packets)`);
  return {
    session: { session_id: id, capture: resolve(pcapPath), service, client_ip: client, start_ts: start, startup_delay_s: Number.isNaN(startupDelay) ? NaN : Math.round(startupDelay * 1000) / 1000, duration_s: Math.round(duration * 1000) / 1000 },
    labels,
    records: records.length,
    alignment: Number.isFinite(facts.first) ? { firstPacketTs: facts.first, startTime, offsetS: facts.first - startTime, countAgreement: alignmentOf(records, facts.timestamps) } : null,
  };
}

/**
 * Imports Requet sessions. Each merged file's capture is `<name>.pcap` beside it unless `pcap` says
 * otherwise. With `out`, writes sessions.csv and labels.csv there (captures referenced by absolute path).
 */
export async function importRequet(mergedTxtPaths: string[], o: ImportOptions = {}): Promise<ImportResult> {
  const details: RequetSession[] = [];
  for (let i = 0; i < mergedTxtPaths.length; i++) {
    details.push(await importRequetSession(mergedTxtPaths[i], pcapFor(o, mergedTxtPaths[i], i), o.service ?? 'Youtube'));
  }
  const ids = new Set<string>();
  for (const d of details) {
    if (ids.has(d.session.session_id)) throw new Error(`importRequet: two merged files named ${d.session.session_id}`);
    ids.add(d.session.session_id);
  }
  const res: ImportResult = { sessions: details.map((d) => d.session), labels: details.flatMap((d) => d.labels), details };
  if (o.out) {
    const out = resolve(o.out);
    await mkdir(out, { recursive: true });
    await writeDatasetCsvs(out, { sessions: res.sessions, labels: res.labels });
    res.out = out;
  }
  return res;
}

export const REQUET_GROUPS = ['A', 'B1', 'B2', 'C', 'D'] as const;

async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) { try { const st = await stat(p); isDir = st.isDirectory(); isFile = st.isFile(); } catch { continue; } }
    if (isDir) await walk(p, out);
    else if (isFile) out.push(p);
  }
}

/**
 * Loads a whole upstream checkout: group folders A, B1, B2, C, D, each with a PCAP and a txt
 * subfolder (any nesting is accepted; files are paired by session name within a group).
 * Merged files without a capture are skipped and listed in `skipped`.
 */
export async function loadRequetCheckout(dir: string, o: Omit<ImportOptions, 'pcap'> = {}): Promise<ImportResult & { skipped: string[]; groups: Record<string, number> }> {
  const merged: string[] = [];
  const pcaps: string[] = [];
  const skipped: string[] = [];
  const groups: Record<string, number> = {};
  const root = resolve(dir);
  let foundGroup = false;
  for (const g of REQUET_GROUPS) {
    const files: string[] = [];
    await walk(join(root, g), files);
    if (files.length) foundGroup = true;
    const caps = new Map<string, string>();
    for (const f of files) if (/\.pcap(ng)?$/i.test(f)) caps.set(basename(f).replace(/\.pcap(ng)?$/i, ''), f);
    let n = 0;
    for (const f of files) {
      if (!/_merged\.txt$/i.test(f)) continue;
      const cap = caps.get(sessionName(f));
      if (!cap) { skipped.push(f); continue; }
      merged.push(f); pcaps.push(cap); n++;
    }
    if (n) groups[g] = n;
  }
  if (!foundGroup) throw new Error(`loadRequetCheckout: ${root} has none of the group folders ${REQUET_GROUPS.join(', ')}`);
  const r = await importRequet(merged, { ...o, pcap: pcaps });
  return { ...r, skipped, groups };
}
