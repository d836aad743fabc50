import { writeFileSync, createWriteStream } from 'node:fs';
import { parse, parseBins, parseWorkers, UsageError } from './args';
import { createProgress } from './progress';
import { textTable } from './format';
import { sweep, recommend } from '../model/sweep';
import { trainModel, QoeModel } from '../model/model';
import { InferenceSink, Prediction } from '../model/inferenceSink';
import { runReport } from '../report/run';
import { rowsToCsv } from '../output/formats';
import { extractTable, resolveConfig } from '../pipeline/extract';
import { datasetConfig } from '../model/dataset';
import { generateDataset } from '../datasets/generator';
import { importRequet } from '../datasets/requet';
import { ensureDefaultDataset } from '../datasets/defaultDataset';

const positiveInt = (name: string, v: unknown, dflt?: number): number | undefined => {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name}: expected a whole number >= 1 (got "${String(v)}")`);
  return n;
};

async function datasetDir(v: unknown): Promise<string> {
  if (typeof v === 'string') return v;
  process.stderr.write('using the default generated dataset (generated on first use)\n');
  return (await ensureDefaultDataset()).dir;
}

export const trainHelp = `refinery train [--dataset DIR] --representation R --bin S --out model.json [--trees N] [--seed N]

Trains the resolution classifier (per bin) and the startup-delay regressor (per session, first
10 s) on a labeled dataset (default: the built-in generated one) and saves them with the
representation, bin size and columns they need (for refinery infer / live --model).`;

export async function trainCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dataset: { type: 'string' }, representation: { type: 'string' }, bin: { type: 'string' }, out: { type: 'string' },
    trees: { type: 'string' }, seed: { type: 'string' }, workers: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) { console.log(trainHelp); return 0; }
  if (!values.out) throw new UsageError('train: --out model.json is required');
  const bin = Number(values.bin ?? 10);
  if (!(bin > 0)) throw new UsageError(`--bin: expected seconds (got "${String(values.bin)}")`);
  const m = await trainModel({ dataset: await datasetDir(values.dataset), representation: String(values.representation ?? 'network+application'), bin,
    trees: positiveInt('trees', values.trees, 100), seed: positiveInt('seed', values.seed, 1), workers: parseWorkers(values.workers as string | undefined) });
  m.save(String(values.out));
  console.error(`saved ${values.out}: ${m.saved.representation}, ${m.saved.bin} s bins, ${m.saved.columns.length} columns, trained on ${m.saved.trainedOn.sessions} sessions`);
  return 0;
}

export const sweepHelp = `refinery sweep [--dataset DIR] [--representations network,transport,...] [--bins 2,4,10,30,60] [--folds 5] [--trees 60] [--out sweep.csv]

Cross-validates random forests for every representation x bin size (resolution accuracy,
startup-delay error) with the cost of each representation, and prints the Pareto choices.`;

export async function sweepCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dataset: { type: 'string' }, representations: { type: 'string' }, bins: { type: 'string' }, folds: { type: 'string' },
    trees: { type: 'string' }, out: { type: 'string' }, workers: { type: 'string' }, limit: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) { console.log(sweepHelp); return 0; }
  const progress = createProgress('sweep');
  const r = await sweep({
    dataset: await datasetDir(values.dataset), representations: values.representations ? String(values.representations).split(',') : undefined,
    bins: parseBins(values.bins as string | undefined), folds: positiveInt('folds', values.folds), trees: positiveInt('trees', values.trees),
    workers: parseWorkers(values.workers as string | undefined), limit: positiveInt('limit', values.limit),
    onProgress: (p) => progress.update(p.done, p.total, `${p.phase} ${p.label}`),
  });
  progress.stop();
  const show = r.wide.map((w) => ({ representation: w.representation, bin: w.bin, task: w.task, accuracy: w.accuracy, f1: w.f1_macro, mae: w.mae,
    state: w.state_bytes_median, 'ns/pkt': w.ns_per_packet_mean, 'parquet B/h': w.storage_bytes_per_hour_parquet }));
  console.log(textTable(show));
  const best = recommend(r);
  if (best) console.log(`\ncheapest (state) within 2% of the best accuracy: ${best.choice.representation} at ${best.choice.bin} s`);
  if (values.out) writeFileSync(String(values.out), rowsToCsv(r.rows));
  return 0;
}

export const reportHelp = `refinery report [--dataset DIR] [--out DIR] [--quick]

The main job: sweep representations x bin sizes on a labeled dataset (default: the built-in
generated one), profile their costs, and write DIR/index.html (default report/) with every
chart and table. --quick runs a smaller sweep (about a minute).`;

export async function reportCommand(argv: string[]): Promise<number> {
  const { values } = parse(argv, { dataset: { type: 'string' }, out: { type: 'string' }, quick: { type: 'boolean' }, workers: { type: 'string' },
    bins: { type: 'string' }, trees: { type: 'string' }, folds: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) { console.log(reportHelp); return 0; }
  const bars = new Map<string, ReturnType<typeof createProgress>>();
  const r = await runReport({
    dataset: values.dataset as string | undefined, out: (values.out as string | undefined) ?? 'report', quick: !!values.quick,
    workers: parseWorkers(values.workers as string | undefined), bins: parseBins(values.bins as string | undefined),
    trees: positiveInt('trees', values.trees), folds: positiveInt('folds', values.folds),
    onProgress: (phase, done, total, label) => {
      let bar = bars.get(phase);
      if (!bar) { for (const b of bars.values()) b.stop(); bar = createProgress(phase.padEnd(7)); bars.set(phase, bar); if (!process.stderr.isTTY) process.stderr.write(`${phase}: ${label}\n`); }
      bar.update(done, total, label);
    },
  });
  for (const b of bars.values()) b.stop();
  const best = recommend(r.sweep);
  if (best) console.log(`cheapest (state) within 2% of the best resolution accuracy: ${best.choice.representation} at ${best.choice.bin} s bins`);
  console.log(`report written to ${r.index} (${(r.elapsedMs / 1000).toFixed(0)} s)`);
  return 0;
}

export const inferHelp = `refinery infer <capture...> --model model.json [--config FILE] [--out predictions.jsonl]

Replays captures through the pipeline and predicts, for each session and closed bin, the
resolution (with class probabilities) and, once per session, the startup delay, next to the
features they came from. The config must collect the model's classes (default: the
generated dataset's services collecting exactly them).`;

export async function inferCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { model: { type: 'string' }, config: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } });
  if (values.help) { console.log(inferHelp); return 0; }
  if (!values.model) throw new UsageError('infer: --model FILE is required');
  if (!positionals.length) throw new UsageError('infer: give at least one capture');
  const model = QoeModel.load(String(values.model));
  const config = values.config
    ? { ...resolveConfig(String(values.config)), level: 'session' as const }
    : datasetConfig({ sessions: [{ service: 'Youtube' }, { service: 'Netflix' }, { service: 'Amazon' }, { service: 'Twitch' }] as never, labels: [] }, model.saved.classes, [model.bin]);
  model.checkConfig(config, [model.bin]);
  const out = values.out ? createWriteStream(String(values.out)) : process.stdout;
  const sink = new InferenceSink(model, (p: Prediction) => { out.write(JSON.stringify(p) + '\n'); });
  const r = await extractTable({ captures: positionals, config, bins: [model.bin], level: 'session', sink, workers: 1 });
  if (values.out) await new Promise<void>((res) => (out as NodeJS.WritableStream).end(res));
  const lat = sink.latency();
  process.stderr.write(`${lat.count} predictions; latency from a bin's emission to its prediction: mean ${lat.mean.toFixed(3)} ms, p99 ${lat.p99.toFixed(3)} ms, max ${lat.max.toFixed(3)} ms\n`);
  for (const e of r.errors) process.stderr.write(`error: ${e.message}\n`);
  return r.errors.length ? 2 : 0;
}

export const datasetHelp = `refinery dataset generate --sessions N [--seed S] --out DIR [--min-duration 60] [--max-duration 300]
refinery dataset import-requet <merged.txt...> [--pcap FILE] --out DIR

generate: realistic labeled video sessions (one pcap per session, sessions.csv, labels.csv).
import-requet: Requet captures and their *_merged.txt into the same label schema.`;

export async function datasetCommand(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!sub || sub === '--help' || sub === '-h') { console.log(datasetHelp); return sub ? 0 : 1; }
  if (sub === 'generate') {
    const { values } = parse(rest, { sessions: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' }, 'min-duration': { type: 'string' }, 'max-duration': { type: 'string' } });
    if (!values.out) throw new UsageError('dataset generate: --out DIR is required');
    const progress = createProgress('generate');
    const s = await generateDataset({ sessions: positiveInt('sessions', values.sessions, 10)!, seed: Number(values.seed ?? 1), out: String(values.out),
      minDurationS: positiveInt('min-duration', values['min-duration']), maxDurationS: positiveInt('max-duration', values['max-duration']),
      onSession: (d, t) => progress.update(d, t, `${d}/${t} sessions`) });
    progress.stop();
    console.error(`${s.sessions} sessions, ${s.packets} packets, ${(s.pcapBytes / 2 ** 20).toFixed(1)} MB in ${s.out} (${(s.elapsedMs / 1000).toFixed(1)} s)`);
    return 0;
  }
  if (sub === 'import-requet') {
    const { values, positionals } = parse(rest, { out: { type: 'string' }, pcap: { type: 'string' } });
    if (!positionals.length) throw new UsageError('dataset import-requet: give at least one *_merged.txt file');
    const r = await importRequet(positionals, { out: values.out as string | undefined, pcap: values.pcap as string | undefined });
    console.error(`imported ${r.sessions.length} sessions${values.out ? ` into ${values.out}` : ''}`);
    for (const s of r.sessions) console.error(`  ${s.session_id}: ${s.capture}, client ${s.client_ip}, startup ${s.startup_delay_s} s, ${s.duration_s} s`);
    return 0;
  }
  throw new UsageError(`dataset: unknown sub-command "${sub}" (generate, import-requet)`);
}
