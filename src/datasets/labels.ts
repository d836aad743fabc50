/**
 * The label schema shared by the dataset generator, the Requet importer and `labelBins`.
 *
 * A dataset folder holds:
 * - `sessions.csv`: session_id, capture, service, client_ip, start_ts, startup_delay_s, duration_s
 *   (`capture` is relative to the folder, or an absolute path for imported datasets);
 * - `labels.csv`: session_id, t, state, resolution, buffer_s — one row per second of each session,
 *   `t` in whole seconds since the session's start_ts;
 * - `segments.csv` (generated datasets only): ground truth of every media segment request.
 *
 * Readers validate every field and report errors as `file:line: message`.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join, isAbsolute, resolve } from 'node:path';
import { CsvError, parseCsv, csvQuote } from '../output/csv';

export { CsvError, parseCsv };

export const PLAY_STATES = ['startup', 'playing', 'stalled', 'paused'] as const;
export type PlayState = (typeof PLAY_STATES)[number];

export interface SessionRecord {
  session_id: string;
  /** Capture file: relative to the dataset folder, or absolute. */
  capture: string;
  /** Service name as in the Traffic Refinery config (Youtube, Netflix, Amazon, Twitch, ...). */
  service: string;
  /** The client (the monitored device) IPv4/IPv6 address. */
  client_ip: string;
  /** Epoch seconds of label time t = 0. */
  start_ts: number;
  /** Seconds from t = 0 to the first playing instant (NaN if playback never started). */
  startup_delay_s: number;
  duration_s: number;
}

export interface LabelRecord {
  session_id: string;
  /** Whole seconds since start_ts; the row covers [t, t + 1). */
  t: number;
  state: PlayState;
  /** Pixel height of the resolution played in that second (majority), or null. */
  resolution: number | null;
  /** Playable buffer in seconds at the end of the second. */
  buffer_s: number;
}

export type SegmentKind = 'video' | 'audio';

export interface SegmentRecord {
  session_id: string;
  /** Client port of the connection that carried the segment. */
  flow: number;
  /** Seconds since start_ts when the request left the client. */
  t_request: number;
  /** Seconds since start_ts when the last byte of the response reached the client. */
  t_done: number;
  /** Media bytes of the segment (excluding HTTP and TLS overhead). */
  bytes: number;
  /** Pixel height (video) or null (audio). */
  resolution: number | null;
  kind: SegmentKind;
  /** Media segment index (position = index * duration_s). */
  index: number;
  /** Media duration of the segment in seconds. */
  duration_s: number;
  /** Seconds since start_ts when this segment started playing; null if it never played. */
  t_play: number | null;
}

export interface DatasetLabels {
  sessions: SessionRecord[];
  labels: LabelRecord[];
  segments?: SegmentRecord[];
  /** Folder the captures are relative to, when read from disk. */
  dir?: string;
}

export const SESSION_COLUMNS = ['session_id', 'capture', 'service', 'client_ip', 'start_ts', 'startup_delay_s', 'duration_s'] as const;
export const LABEL_COLUMNS = ['session_id', 't', 'state', 'resolution', 'buffer_s'] as const;
export const SEGMENT_COLUMNS = ['session_id', 'flow', 't_request', 't_done', 'bytes', 'resolution', 'kind', 'index', 'duration_s', 't_play'] as const;

// ---------------------------------------------------------------------------------------------
// CSV


/** Formats a number compactly: integers as is, others with up to `digits` decimals. */
export function fmtNum(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (Number.isInteger(v)) return String(v);
  return String(Number(v.toFixed(digits)));
}

export function toCsv(columns: readonly string[], rows: readonly (readonly string[])[]): string {
  const out: string[] = [columns.join(',')];
  for (const r of rows) out.push(r.map(csvQuote).join(','));
  return out.join('\n') + '\n';
}

type Getter = (name: string) => string;

function readTable<T>(text: string, file: string, required: readonly string[], build: (get: Getter, line: number) => T): T[] {
  const { header, rows } = parseCsv(text, file);
  const index = new Map<string, number>();
  header.forEach((h, i) => index.set(h, i));
  for (const c of required) if (!index.has(c)) throw new CsvError(file, 1, `missing column "${c}" (header: ${header.join(',')})`);
  return rows.map(({ line, cells }) => {
    if (cells.length !== header.length) throw new CsvError(file, line, `expected ${header.length} fields, found ${cells.length}`);
    const get: Getter = (name) => {
      const i = index.get(name);
      return i === undefined ? '' : cells[i].trim();
    };
    try {
      return build(get, line);
    } catch (e) {
      if (e instanceof CsvError) throw e;
      throw new CsvError(file, line, (e as Error).message);
    }
  });
}

function num(get: Getter, name: string, o: { optional?: boolean; integer?: boolean; nonNegative?: boolean } = {}): number {
  const s = get(name);
  if (s === '' || s === 'NaN') {
    if (o.optional) return NaN;
    throw new Error(`${name}: missing value`);
  }
  const v = Number(s);
  if (!Number.isFinite(v)) throw new Error(`${name}: not a number: "${s}"`);
  if (o.integer && !Number.isInteger(v)) throw new Error(`${name}: not an integer: "${s}"`);
  if (o.nonNegative && v < 0) throw new Error(`${name}: negative: "${s}"`);
  return v;
}

function optInt(get: Getter, name: string): number | null {
  const s = get(name);
  if (s === '') return null;
  const v = Number(s);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name}: expected a positive integer or empty, found "${s}"`);
  return v;
}

function str(get: Getter, name: string): string {
  const s = get(name);
  if (s === '') throw new Error(`${name}: empty`);
  return s;
}

export function formatSessionsCsv(rows: readonly SessionRecord[]): string {
  return toCsv(SESSION_COLUMNS, rows.map((r) => [
    r.session_id, r.capture, r.service, r.client_ip, fmtNum(r.start_ts, 6), fmtNum(r.startup_delay_s, 3), fmtNum(r.duration_s, 3),
  ]));
}

export function formatLabelsCsv(rows: readonly LabelRecord[]): string {
  return toCsv(LABEL_COLUMNS, rows.map((r) => [r.session_id, String(r.t), r.state, r.resolution === null ? '' : String(r.resolution), fmtNum(r.buffer_s, 3)]));
}

export function formatSegmentsCsv(rows: readonly SegmentRecord[]): string {
  return toCsv(SEGMENT_COLUMNS, rows.map((r) => [
    r.session_id, String(r.flow), fmtNum(r.t_request, 6), fmtNum(r.t_done, 6), String(r.bytes),
    r.resolution === null ? '' : String(r.resolution), r.kind, String(r.index), fmtNum(r.duration_s, 6), r.t_play === null ? '' : fmtNum(r.t_play, 6),
  ]));
}

export function parseSessionsCsv(text: string, file = 'sessions.csv'): SessionRecord[] {
  const seen = new Set<string>();
  return readTable(text, file, SESSION_COLUMNS, (get) => {
    const id = str(get, 'session_id');
    if (seen.has(id)) throw new Error(`duplicate session_id "${id}"`);
    seen.add(id);
    return {
      session_id: id,
      capture: str(get, 'capture'),
      service: str(get, 'service'),
      client_ip: str(get, 'client_ip'),
      start_ts: num(get, 'start_ts'),
      startup_delay_s: num(get, 'startup_delay_s', { optional: true, nonNegative: true }),
      duration_s: num(get, 'duration_s', { nonNegative: true }),
    };
  });
}

export function parseLabelsCsv(text: string, file = 'labels.csv'): LabelRecord[] {
  return readTable(text, file, LABEL_COLUMNS, (get) => {
    const state = get('state');
    if (!(PLAY_STATES as readonly string[]).includes(state)) throw new Error(`state: expected one of ${PLAY_STATES.join('|')}, found "${state}"`);
    return {
      session_id: str(get, 'session_id'),
      t: num(get, 't', { integer: true, nonNegative: true }),
      state: state as PlayState,
      resolution: optInt(get, 'resolution'),
      buffer_s: num(get, 'buffer_s', { nonNegative: true }),
    };
  });
}

export function parseSegmentsCsv(text: string, file = 'segments.csv'): SegmentRecord[] {
  return readTable(text, file, SEGMENT_COLUMNS.slice(0, 7), (get) => {
    const kind = get('kind');
    if (kind !== 'video' && kind !== 'audio') throw new Error(`kind: expected video|audio, found "${kind}"`);
    const tPlay = get('t_play');
    return {
      session_id: str(get, 'session_id'),
      flow: num(get, 'flow', { integer: true, nonNegative: true }),
      t_request: num(get, 't_request'),
      t_done: num(get, 't_done', { optional: true }),
      bytes: num(get, 'bytes', { integer: true, nonNegative: true }),
      resolution: optInt(get, 'resolution'),
      kind,
      index: get('index') === '' ? -1 : num(get, 'index', { integer: true }),
      duration_s: get('duration_s') === '' ? NaN : num(get, 'duration_s'),
      t_play: tPlay === '' ? null : num(get, 't_play'),
    };
  });
}

/** Checks that every label row refers to a known session and that rows are unique per (session, t). */
export function validateDataset(d: DatasetLabels, where = 'dataset'): void {
  const ids = new Set(d.sessions.map((s) => s.session_id));
  const seen = new Set<string>();
  d.labels.forEach((l, i) => {
    if (!ids.has(l.session_id)) throw new Error(`${where}: labels row ${i + 1}: unknown session_id "${l.session_id}"`);
    const k = `${l.session_id}\u0000${l.t}`;
    if (seen.has(k)) throw new Error(`${where}: labels row ${i + 1}: duplicate (session_id, t) = (${l.session_id}, ${l.t})`);
    seen.add(k);
  });
}

/** Writes sessions.csv, labels.csv and (if given) segments.csv into `dir`. */
export async function writeDatasetCsvs(dir: string, d: DatasetLabels): Promise<void> {
  await writeFile(join(dir, 'sessions.csv'), formatSessionsCsv(d.sessions));
  await writeFile(join(dir, 'labels.csv'), formatLabelsCsv(d.labels));
  if (d.segments) await writeFile(join(dir, 'segments.csv'), formatSegmentsCsv(d.segments));
}

export function writeDatasetCsvsSync(dir: string, d: DatasetLabels): void {
  writeFileSync(join(dir, 'sessions.csv'), formatSessionsCsv(d.sessions));
  writeFileSync(join(dir, 'labels.csv'), formatLabelsCsv(d.labels));
  if (d.segments) writeFileSync(join(dir, 'segments.csv'), formatSegmentsCsv(d.segments));
}

/** Reads a dataset folder (sessions.csv, labels.csv, and segments.csv when present). */
export async function readDataset(dir: string): Promise<DatasetLabels> {
  const sp = join(dir, 'sessions.csv');
  const lp = join(dir, 'labels.csv');
  const sessions = parseSessionsCsv(await readFile(sp, 'utf8'), sp);
  const labels = parseLabelsCsv(await readFile(lp, 'utf8'), lp);
  let segments: SegmentRecord[] | undefined;
  const gp = join(dir, 'segments.csv');
  try { segments = parseSegmentsCsv(await readFile(gp, 'utf8'), gp); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e; }
  const d: DatasetLabels = { sessions, labels, dir: resolve(dir) };
  if (segments) d.segments = segments;
  validateDataset(d, dir);
  return d;
}

export function readDatasetSync(dir: string): DatasetLabels {
  const sp = join(dir, 'sessions.csv');
  const lp = join(dir, 'labels.csv');
  const d: DatasetLabels = {
    sessions: parseSessionsCsv(readFileSync(sp, 'utf8'), sp),
    labels: parseLabelsCsv(readFileSync(lp, 'utf8'), lp),
    dir: resolve(dir),
  };
  validateDataset(d, dir);
  return d;
}

/** Absolute path of a session's capture. */
export function capturePath(d: DatasetLabels, s: SessionRecord): string {
  return isAbsolute(s.capture) || !d.dir ? s.capture : join(d.dir, s.capture);
}
