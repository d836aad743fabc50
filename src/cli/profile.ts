import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { resolveConfig } from '../pipeline/extract';
import { expandCaptures } from '../pipeline/shards';
import { profileTables, ProfileTables, SummaryRow } from '../profile/profile';
import { DEFAULT_REPRESENTATIONS } from '../profile/runs';
import { parse, parseBins, parseLevel, parseWorkers, UsageError } from './args';
import { createProgress } from './progress';
import { humanBytes, textTable } from './format';

export const profileSummary = 'cost of each feature class and representation: state, ns/packet, storage per hour';

export const profileHelp = `refinery profile <capture...> [options]

Runs each feature class alone over the same packets, then each representation (the
config's own sets and the presets), and measures its systems cost:
  state       bytes held at every bin end (the classes' own count, and the V8 heap in an
              isolated worker), in total and per flow
  processing  ns per packet of each class's addPacket, shared work (decode, lookup) excluded
  storage     output bytes per hour of capture in JSON lines, CSV and Parquet, next to the
              capture itself (wire, pcap) and a NetFlow v5 / IPFIX export of the same traffic

  --config FILE            Traffic Refinery config (default: one catch-all service)
  --bins 2,10              bin sizes in seconds (state is read at the smallest one's bin ends)
  --level flow|session
  --classes A,B            classes to run alone (default: configured + those of representations)
  --representations R,S    default ${DEFAULT_REPRESENTATIONS.join(',')} ('' for none)
  --out DIR|summary.csv    write summary.csv, state.csv, timing.csv, storage.csv (in DIR, or
                           next to the given summary file, named <stem>.state.csv, ...)
  --no-heap                skip the heap measurement (faster)
  --heap-samples N         heap readings per run, at most about N (default 24)
  --workers N|auto         runs spread over worker threads (default auto: the cores; 1 measures
                           each run alone, without the other cores' contention)
  --iface IF --duration S  profile live traffic of an interface for S seconds instead of files
  --filter BPF             with --iface: a capture filter
  --quiet                  print nothing but errors`;

/** Output paths for the four tables: a folder, or a summary .csv with its siblings. */
export function outputPaths(out: string): Record<'summary' | 'state' | 'timing' | 'storage', string> {
  if (/\.csv$/i.test(out)) {
    const dir = dirname(out), stem = basename(out).replace(/\.csv$/i, '');
    const sib = (k: string) => join(dir, stem === 'summary' ? `${k}.csv` : `${stem}.${k}.csv`);
    return { summary: out, state: sib('state'), timing: sib('timing'), storage: sib('storage') };
  }
  return { summary: join(out, 'summary.csv'), state: join(out, 'state.csv'), timing: join(out, 'timing.csv'), storage: join(out, 'storage.csv') };
}

/** Writes the four tables as CSV; returns the paths. */
export function writeProfile(t: ProfileTables, out: string): string[] {
  const paths = outputPaths(out);
  mkdirSync(/\.csv$/i.test(out) ? dirname(out) : out, { recursive: true });
  writeFileSync(paths.summary, t.summary.toCsv());
  writeFileSync(paths.state, t.state.toCsv());
  writeFileSync(paths.timing, t.timing.toCsv());
  writeFileSync(paths.storage, t.storage.toCsv());
  return Object.values(paths);
}

const bytes = (n: number) => (Number.isFinite(n) ? humanBytes(n) : '');
const ns = (n: number) => (Number.isFinite(n) ? (n >= 100 ? n.toFixed(0) : n.toFixed(1)) : '');
const ratio = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '');

/** The summary as a terminal table: sizes humanized, one line per class and representation. */
export function summaryTable(t: ProfileTables): string {
  const rows = t.summary.rows.map((r: SummaryRow) => ({
    class: r.feature_class,
    layer: r.layer,
    cols: r.features,
    'state med': bytes(r.state_bytes_median),
    'state peak': bytes(r.state_bytes_peak),
    'per flow': bytes(r.state_bytes_per_flow_median),
    'heap med': bytes(r.heap_bytes_median),
    'heap/self': ratio(r.heap_ratio),
    'ns/pkt mean': ns(r.ns_per_packet_mean),
    'ns/pkt med': ns(r.ns_per_packet_median),
    'ns/pkt p99': ns(r.ns_per_packet_p99),
    'jsonl/h': bytes(r.storage_bytes_per_hour_jsonl),
    'csv/h': bytes(r.storage_bytes_per_hour_csv),
    'parquet/h': bytes(r.storage_bytes_per_hour_parquet),
  }));
  return textTable(rows);
}

/** The capture and NetFlow reference lines. */
export function referenceText(t: ProfileTables): string {
  const per = (format: string) => t.storage.rows.find((r) => r.format === format);
  const line = (label: string, format: string) => {
    const r = per(format);
    return r ? `${label} ${bytes(r.bytes_per_hour)}/h` : '';
  };
  const hours = t.volume.seconds / 3600;
  return [
    `capture: ${t.volume.records} packets over ${(t.volume.seconds).toFixed(1)} s (${hours.toFixed(3)} h); ` +
      [line('wire', 'wire'), line('pcap', 'pcap'), line('full-packet pcap', 'pcap_full')].filter(Boolean).join(', '),
    `netflow: ${t.netflow.flows} flows, ${t.netflow.records} records; ${line('v5', 'netflow_v5')}, ${line('IPFIX', 'ipfix')}`,
    `timing: ${t.notes.timing_method}; overhead subtracted ${t.notes.overhead_ns.toFixed(1)} ns/call`,
    `heap: ${t.notes.heap_method}`,
    ...t.notes.messages.map((m) => `note: ${m}`),
  ].join('\n');
}

export async function profileCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    config: { type: 'string' }, bins: { type: 'string' }, level: { type: 'string' }, out: { type: 'string' },
    classes: { type: 'string' }, representations: { type: 'string' }, 'no-heap': { type: 'boolean' },
    'heap-samples': { type: 'string' }, workers: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    iface: { type: 'string' }, duration: { type: 'string' }, filter: { type: 'string' },
  });
  if (values.help) { console.log(profileHelp); return 0; }
  let source: AsyncIterable<import('../capture/batch').PacketBatch> | undefined;
  if (values.iface) {
    // Live mode: every class and representation sees the same packets, side by side, once.
    const seconds = Number(values.duration ?? 10);
    if (!(seconds > 0)) throw new UsageError(`--duration: expected positive seconds (got "${String(values.duration)}")`);
    const { openLive } = require('../capture/live') as typeof import('../capture/live');
    const live = openLive({ iface: String(values.iface), filter: values.filter as string | undefined });
    setTimeout(() => { void live.stop(); }, seconds * 1000).unref();
    source = live;
  } else if (positionals.length === 0) throw new UsageError('profile: give at least one capture file (or --iface IF --duration S)');
  if (positionals.includes('-')) throw new UsageError('profile: captures are read once per class: give files, not standard input');
  const list = (s: unknown) => (typeof s === 'string' ? s.split(',').map((x) => x.trim()).filter(Boolean) : undefined);
  const heapSamples = values['heap-samples'] !== undefined ? Number(values['heap-samples']) : undefined;
  if (heapSamples !== undefined && !(heapSamples >= 1)) throw new UsageError(`--heap-samples: expected a positive number (got "${values['heap-samples']}")`);
  const config = resolveConfig(values.config as string | undefined);
  const progress = values.quiet ? { update() {}, stop() {} } : createProgress('profile');
  let tables: ProfileTables;
  try {
    tables = await profileTables({
      ...(source ? { source } : { captures: expandCaptures(positionals) }), config, bins: parseBins(values.bins as string | undefined),
      level: parseLevel(values.level as string | undefined), classes: list(values.classes), representations: list(values.representations),
      heap: !values['no-heap'], heapSamples, workers: parseWorkers(values.workers as string | undefined),
      onProgress: (p) => progress.update(Math.round(p.fraction * 1000), 1000, `${p.phase} ${p.run}`),
    });
  } finally {
    progress.stop();
  }
  if (!values.quiet) {
    console.log(summaryTable(tables));
    console.log('');
    console.log(referenceText(tables));
  }
  if (values.out) {
    const paths = writeProfile(tables, values.out as string);
    if (!values.quiet) console.error(`wrote ${paths.join(', ')}`);
  }
  return 0;
}
