import { createWriteStream, mkdirSync, WriteStream } from 'node:fs';
import { join } from 'node:path';
import { QoeModel } from '../model/model';
import { InferenceSink } from '../model/inferenceSink';
import { resolveConfig } from '../pipeline/extract';
import { isLiveError } from '../capture/live';
import { runLive } from '../live/run';
import type { OutputFormat } from '../output/formats';
import { parse, parseBins, parseLevel, UsageError } from './args';
import { humanBytes } from './format';

export const liveHelp = `refinery live --iface IF [options]

Captures on a network interface (libpcap, needs root or CAP_NET_RAW) and writes per-flow or
per-session feature bins as they close, with the same pipeline as 'refinery extract'. Stops on
Ctrl-C / SIGTERM or after --duration: open bins are flushed and files completed.

  --iface IF          interface (lo, eth0, any, ...)
  --config FILE       Traffic Refinery config (the original's format plus Bins, Level, Local)
  --bins 2,10         bin sizes in seconds
  --level flow|session
  --filter BPF        capture filter, tcpdump syntax (e.g. "udp port 443 or tcp port 443")
  --duration SECONDS  stop after this long (default: until a signal)
  --out DIR           output folder (default refinery-live): bins-<UTC start>.jsonl files and
                      capture-stats.jsonl (received/dropped/processed per interval)
  --rotate SECONDS    start a new bins file every this many seconds (default 60; 0 = one file)
  --format F          jsonl (default), parquet or csv
  --stats SECONDS     interval of capture-stats.jsonl lines (default 1)
  --snaplen BYTES     bytes kept per packet (default 262144)
  --buffer MB         kernel capture buffer (default 32)
  --no-promisc        do not put the interface in promiscuous mode
  --workers N         worker threads computing features (default 1; N > 1 splits flows or
                      sessions over N threads, every packet shared with each)
  --model FILE      predict resolution / startup delay per session bin in real time (predictions.jsonl)
  --raw               JSON lines only: add raw per-bin class data (e.g. segment lists)
  --quiet             no progress or summary on stderr`;

function num(v: unknown, what: string, opts: { min?: number; integer?: boolean } = {}): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < (opts.min ?? 0) || (opts.integer && !Number.isInteger(n))) {
    throw new UsageError(`${what}: expected a number${opts.min ? ` >= ${opts.min}` : ''} (got "${v}")`);
  }
  return n;
}

export async function liveCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    iface: { type: 'string', short: 'i' }, config: { type: 'string' }, bins: { type: 'string' }, level: { type: 'string' },
    filter: { type: 'string' }, duration: { type: 'string' }, out: { type: 'string' }, rotate: { type: 'string' },
    format: { type: 'string' }, stats: { type: 'string' }, snaplen: { type: 'string' }, buffer: { type: 'string' },
    'no-promisc': { type: 'boolean' }, raw: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    model: { type: 'string' }, workers: { type: 'string' },
  });
  if (values.help) { console.log(liveHelp); return 0; }
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const iface = values.iface as string | undefined;
  if (!iface) throw new UsageError('--iface is required');
  const format = (values.format as string | undefined) ?? 'jsonl';
  if (!['jsonl', 'parquet', 'csv'].includes(format)) throw new UsageError(`--format: expected jsonl, parquet or csv (got "${format}")`);
  const config = resolveConfig(values.config as string | undefined);
  const level = parseLevel(values.level as string | undefined) ?? config.level;
  const bins = parseBins(values.bins as string | undefined);
  const duration = num(values.duration, '--duration', { min: 0.001 });
  const rotateSeconds = num(values.rotate, '--rotate');
  const statsSeconds = num(values.stats, '--stats', { min: 0.01 });
  const snaplen = num(values.snaplen, '--snaplen', { min: 1, integer: true });
  const bufferMb = num(values.buffer, '--buffer', { min: 1 });
  const out = (values.out as string | undefined) ?? 'refinery-live';
  const quiet = !!values.quiet;
  const log = (s: string) => { if (!quiet) process.stderr.write(s + '\n'); };
  const tty = !quiet && process.stderr.isTTY;
  // Real-time inference: a saved model predicts every closed session bin as it is emitted.
  let inference: InferenceSink | undefined;
  let predictions: WriteStream | undefined;
  if (values.model) {
    const model = QoeModel.load(String(values.model));
    model.checkConfig(config, bins ?? config.bins);
    if (level !== 'session') throw new UsageError('--model needs session rows: use --level session (or Level: "session" in the config)');
    mkdirSync(out, { recursive: true });
    predictions = createWriteStream(join(out, 'predictions.jsonl'), { flags: 'a' });
    inference = new InferenceSink(model, (p) => predictions!.write(JSON.stringify(p) + '\n'));
  }

  try {
    const summary = await runLive({
      iface, config, bins, level, filter: values.filter as string | undefined, duration, out, rotateSeconds,
      format: format as OutputFormat, statsSeconds, raw: !!values.raw, sinks: inference ? [inference] : [],
      workers: num(values.workers, '--workers', { min: 1, integer: true }),
      capture: { snaplen, bufferSize: bufferMb ? Math.round(bufferMb * (1 << 20)) : undefined, promisc: !values['no-promisc'] },
      onStart: (i) => log(`refinery live: capturing on ${i.iface}${values.filter ? ` (filter "${values.filter}")` : ''} -> ${i.out}; Ctrl-C to stop`),
      onStats: (r) => {
        if (tty && !r.final) process.stderr.write(`\r${Math.round(r.pps)} pkt/s  processed ${r.totalProcessed}  dropped ${r.totalDropped}  rows ${r.totalRows}   `);
      },
    });
    if (tty) process.stderr.write('\n');
    const c = summary.capture;
    log(`stopped (${summary.stoppedBy}) after ${summary.elapsedSeconds.toFixed(1)} s: ${summary.records} packets (${humanBytes(summary.bytes)}), ` +
      `${summary.flows} flows, ${summary.rows} rows in ${summary.files.length} file(s); ` +
      `libpcap received ${c.received}, dropped ${c.dropped}, interface dropped ${c.ifDropped}`);
    for (const f of summary.files) log(`  ${f.path}  ${f.rows} rows`);
    log(`  ${summary.statsFile}`);
    if (inference && predictions) {
      await new Promise<void>((res) => predictions!.end(res));
      const l = inference.latency();
      log(`  ${join(out, 'predictions.jsonl')}: ${l.count} predictions, latency from a bin's emission to its prediction mean ${l.mean.toFixed(3)} ms, max ${l.max.toFixed(3)} ms`);
    }
    return 0;
  } catch (e) {
    if (isLiveError(e)) {
      console.error(`refinery live: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) {
  liveCommand(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e) => {
    if (e instanceof UsageError) { console.error(`refinery live: ${e.message}\n\n${liveHelp}`); process.exitCode = 1; return; }
    const err = e as Error & { code?: string };
    console.error(`refinery live: ${err && (err.name === 'ConfigError' || err.code === 'ENOENT') ? err.message : err?.stack ?? String(e)}`);
    process.exitCode = err && err.name === 'ConfigError' ? 2 : 3;
  });
}
