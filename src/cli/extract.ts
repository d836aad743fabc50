import { extractTable, resolveConfig } from '../pipeline/extract';
import { FileSink } from '../output/formats';
import { HiveSink } from '../output/hive';
import { applyShardOptions } from '../pipeline/shards';
import { parse, parseBins, parseLevel, parseWorkers, UsageError } from './args';
import { createProgress } from './progress';
import { summaryText } from './format';

export const extractHelp = `refinery extract <capture...|dir|'glob'|-> [options]

Turns captures (pcap, pcapng, gzip-compressed or not; a directory means its capture files,
a quoted pattern like 'data/*.pcap' the files it matches; '-' reads standard input) into
per-flow or per-session feature rows, one per time bin.

  --config FILE     Traffic Refinery config (the original's format plus Bins, Level, Local)
  --bins 2,10       bin sizes in seconds (several in one pass)
  --level flow|session
  --out FILE        .csv, .jsonl or .parquet (default: CSV on standard output)
  --raw             JSON lines only: add raw per-bin class data (e.g. segment lists)
  --workers N|auto  worker threads (default auto: the cores, for several files or a file over 64 MB)
  --shard k/n|auto  run only shard k of n (0-based) of the captures, split by a hash of each file's
                    name (for Slurm arrays and Kubernetes indexed Jobs; auto reads their variables)
  --hive DIR        Parquet partitioned as DIR/service=<name>/bin=<seconds>/part-<k>.parquet
                    (k = the shard index; read with DuckDB's read_parquet(..., hive_partitioning=true))
  --quiet           no summary on stderr`;

export async function extractCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    config: { type: 'string' }, bins: { type: 'string' }, level: { type: 'string' }, out: { type: 'string' },
    raw: { type: 'boolean' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' }, workers: { type: 'string' },
    shard: { type: 'string' }, hive: { type: 'string' },
  });
  if (values.help) { console.log(extractHelp); return 0; }
  if (positionals.length === 0) throw new UsageError('extract: give at least one capture file (or - for standard input)');
  const config = resolveConfig(values.config as string | undefined);
  const level = parseLevel(values.level as string | undefined) ?? config.level;
  const bins = parseBins(values.bins as string | undefined);
  const { captures, shard, total, part } = applyShardOptions(positionals, values.shard as string | undefined);
  const hive = values.hive as string | undefined;
  if (hive && values.out) throw new UsageError('extract: give --out or --hive, not both');
  if (shard && !values.quiet) process.stderr.write(`shard ${shard.index}/${shard.count}: ${captures.length} of ${total} captures\n`);
  if (captures.length === 0) return 0; // more shards than files: this one has nothing to do
  const out = (values.out as string | undefined) ?? hive;
  // Rows stream to the file (or standard output) as bins close; with workers, they encode them.
  const sink = hive ? new HiveSink(hive, level, { part }) : new FileSink(out ?? '-', level, { raw: !!values.raw });
  const progress = createProgress('extract');
  const result = await extractTable({
    captures, config, bins, level, raw: !!values.raw, sink, workers: parseWorkers(values.workers as string | undefined),
    onProgress: (p) => progress.update(
      p.index * 1000 + (p.fileBytes ? Math.round((1000 * p.bytesRead) / p.fileBytes) : 0), p.total * 1000, `${p.capture} ${p.records} packets`),
  });
  progress.stop();
  if (!values.quiet) {
    process.stderr.write(summaryText(result.stats, result.errors, result.issues, result.parallel) + '\n');
    if (out) process.stderr.write(`wrote ${result.stats.rows} rows to ${out === '-' ? 'standard output' : out}\n`);
  }
  return result.errors.length ? 2 : 0;
}
