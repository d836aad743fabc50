/**
 * Random forest benchmark: this repo's engine (src/model/forest) against scikit-learn and
 * ml-random-forest on the same deterministic synthetic tables.
 *
 *   npm run bench:ml                      (= npm run build && node dist/bench/ml.js)
 *   node dist/bench/ml.js --rows 20000 --trees 50 --no-reg --no-ml
 *
 * Options: --rows N (classifier training rows, 50000) --test N (held-out rows, 10000)
 * --trees N (100) --threads N (os.availableParallelism()) --jobs N (scikit-learn n_jobs, 2)
 * --ml-rows N (1000) --ml-trees N (20) --reg-rows N (50000) --reg-trees N (100)
 * --no-sklearn --no-ml --no-reg.
 *
 * scikit-learn runs through /usr/bin/python3 scripts/sklearn-reference.py bench on the same table,
 * written to a temporary CSV. 'fit s' is wall-clock time (includes quantization and, for our
 * engine, worker start-up on the first fit); 'fit CPU s' is the CPU time of all threads of the
 * process during the fit, which is less sensitive to other load on the machine.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import {
  RandomForestClassifier,
  RandomForestRegressor,
  createForest,
  makeClassification,
  makeRegression,
  sliceRows,
  toRows,
  type SyntheticTable,
} from '../src/model/forest';
import { defaultThreads } from '../src/model/forest/options';

interface Args {
  rows: number;
  test: number;
  trees: number;
  threads: number;
  jobs: number;
  mlRows: number;
  mlTrees: number;
  regRows: number;
  regTrees: number;
  sklearn: boolean;
  ml: boolean;
  reg: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    rows: 50000,
    test: 10000,
    trees: 100,
    threads: defaultThreads(),
    jobs: 2,
    mlRows: 1000,
    mlTrees: 20,
    regRows: 50000,
    regTrees: 100,
    sklearn: true,
    ml: true,
    reg: true,
  };
  const num: Record<string, keyof Args> = {
    '--rows': 'rows',
    '--test': 'test',
    '--trees': 'trees',
    '--threads': 'threads',
    '--jobs': 'jobs',
    '--ml-rows': 'mlRows',
    '--ml-trees': 'mlTrees',
    '--reg-rows': 'regRows',
    '--reg-trees': 'regTrees',
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k in num) {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${k} needs a positive integer`);
      (a as unknown as Record<string, number>)[num[k]] = v;
    } else if (k === '--no-sklearn') a.sklearn = false;
    else if (k === '--no-ml') a.ml = false;
    else if (k === '--no-reg') a.reg = false;
    else throw new Error(`unknown option ${k}`);
  }
  return a;
}

interface Row {
  task: string;
  engine: string;
  size: string;
  trees: number;
  fit: number;
  /** CPU seconds of the fit, all threads (less sensitive to other load on the machine). */
  fitCpu: number;
  predict: number;
  score: number;
  metric: string;
  nodes?: number;
  note?: string;
}

const PY = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', '..', 'scripts', 'sklearn-reference.py');

function writeCsv(file: string, t: SyntheticTable): void {
  const lines: string[] = new Array(t.nRows + 1);
  const head: string[] = [];
  for (let j = 0; j < t.nCols; j++) head.push(`x${j}`);
  head.push('y');
  lines[0] = head.join(',');
  const cells: string[] = new Array(t.nCols + 1);
  for (let i = 0; i < t.nRows; i++) {
    for (let j = 0; j < t.nCols; j++) cells[j] = String(t.data[i * t.nCols + j]);
    cells[t.nCols] = String(t.y[i]);
    lines[i + 1] = cells.join(',');
  }
  fs.writeFileSync(file, lines.join('\n') + '\n');
}

function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

function r2(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i];
  mean /= y.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (y[i] - pred[i]) ** 2;
    tot += (y[i] - mean) ** 2;
  }
  return 1 - res / tot;
}

function sklearn(
  dir: string,
  name: string,
  train: SyntheticTable,
  test: SyntheticTable,
  task: 'classification' | 'regression',
  trees: number,
  jobs: number,
  maxFeatures: string,
): Row | null {
  const a = path.join(dir, `${name}.train.csv`);
  const b = path.join(dir, `${name}.test.csv`);
  writeCsv(a, train);
  writeCsv(b, test);
  const args = [SCRIPT, 'bench', '--train', a, '--test', b, '--task', task, '--trees', String(trees), '--jobs', String(jobs), '--max-features', maxFeatures];
  const r = spawnSync(PY, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) {
    console.error(`scikit-learn run failed (${PY} ${args.join(' ')}):\n${r.stderr || r.error}`);
    return null;
  }
  const out = JSON.parse(r.stdout.trim().split('\n').pop() as string) as {
    fit_s: number;
    fit_cpu_s: number;
    predict_s: number;
    score: number;
    mean_nodes: number;
    sklearn: string;
  };
  return {
    task,
    engine: `scikit-learn ${out.sklearn} (n_jobs=${jobs})`,
    size: `${train.nRows}x${train.nCols}`,
    trees,
    fit: out.fit_s,
    fitCpu: out.fit_cpu_s,
    predict: out.predict_s,
    score: out.score,
    metric: task === 'classification' ? 'accuracy' : 'R2',
    nodes: out.mean_nodes,
  };
}

async function refinery(train: SyntheticTable, test: SyntheticTable, task: 'classification' | 'regression', trees: number, threads: number): Promise<Row> {
  const Model = task === 'classification' ? RandomForestClassifier : RandomForestRegressor;
  const f = new Model({ nEstimators: trees, threads, seed: 1 });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await f.trainMatrixAsync(train.data, train.nRows, train.nCols, train.y);
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  const pred = f.predictMatrix(test.data, test.nRows, test.nCols);
  const t2 = performance.now();
  const nodes = f.trees.reduce((s, t) => s + t.nNodes, 0) / f.trees.length;
  return {
    task,
    engine: `refinery (threads=${threads})`,
    size: `${train.nRows}x${train.nCols}`,
    trees,
    fit: (t1 - t0) / 1000,
    fitCpu: (cpu.user + cpu.system) / 1e6,
    predict: (t2 - t1) / 1000,
    score: task === 'classification' ? accuracy(pred, test.y) : r2(pred, test.y),
    metric: task === 'classification' ? 'accuracy' : 'R2',
    nodes,
  };
}

function mlRandomForest(train: SyntheticTable, test: SyntheticTable, trees: number): Row {
  const f = createForest({ engine: 'ml-random-forest', task: 'classification', nEstimators: trees, maxFeatures: 'sqrt', seed: 1 });
  const X = toRows(train.data, train.nRows, train.nCols);
  const Xt = toRows(test.data, test.nRows, test.nCols);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  f.train(X, Array.from(train.y));
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  const pred = f.predict(Xt);
  const t2 = performance.now();
  return {
    task: 'classification',
    engine: 'ml-random-forest 2.1.0',
    size: `${train.nRows}x${train.nCols}`,
    trees,
    fit: (t1 - t0) / 1000,
    fitCpu: (cpu.user + cpu.system) / 1e6,
    predict: (t2 - t1) / 1000,
    score: accuracy(pred, test.y),
    metric: 'accuracy',
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function printTable(rows: Row[]): void {
  const head = ['task', 'engine', 'train rows x feat', 'trees', 'fit s', 'fit CPU s', 'predict s', 'score', 'mean nodes/tree'];
  const body = rows.map((r) => [
    r.task,
    r.engine,
    r.size,
    String(r.trees),
    r.fit.toFixed(2),
    r.fitCpu.toFixed(2),
    r.predict.toFixed(3),
    `${r.metric} ${r.score.toFixed(4)}`,
    r.nodes === undefined ? '-' : r.nodes.toFixed(0),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]): string => '| ' + cells.map((c, i) => pad(c, w[i])).join(' | ') + ' |';
  console.log(line(head));
  console.log('|' + w.map((n) => '-'.repeat(n + 2)).join('|') + '|');
  for (const b of body) console.log(line(b));
}

function compare(label: string, ours: Row, ref: Row | null): string | null {
  if (!ref) return null;
  const pts = (ours.score - ref.score) * (ours.metric === 'accuracy' ? 100 : 1);
  const unit = ours.metric === 'accuracy' ? ' points' : '';
  return (
    `${label}: fit ${ours.fit.toFixed(2)} s vs ${ref.fit.toFixed(2)} s = ${(ours.fit / ref.fit).toFixed(2)}x its time ` +
    `(CPU ${(ours.fitCpu / ref.fitCpu).toFixed(2)}x); ` +
    `predict ${(ours.predict / ref.predict).toFixed(2)}x; ${ours.metric} ${ours.score.toFixed(4)} vs ${ref.score.toFixed(4)} ` +
    `(${pts >= 0 ? '+' : ''}${pts.toFixed(ours.metric === 'accuracy' ? 2 : 4)}${unit})`
  );
}

async function main(): Promise<void> {
  const a = parseArgs(process.argv.slice(2));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ml-'));
  const rows: Row[] = [];
  const notes: string[] = [];
  try {
    console.log(`Random forest benchmark on ${os.availableParallelism?.() ?? os.cpus().length} CPUs, node ${process.version}`);
    // classifier, full size
    const all = makeClassification({ nRows: a.rows + a.test, nFeatures: 40, nClasses: 6, seed: 7 });
    const train = sliceRows(all, 0, a.rows);
    const test = sliceRows(all, a.rows, a.rows + a.test);
    console.log(`classification: ${a.rows} train + ${a.test} test rows, 40 features, 6 classes, ${a.trees} trees, max_features sqrt`);
    const ours = await refinery(train, test, 'classification', a.trees, a.threads);
    rows.push(ours);
    if (a.sklearn) {
      const sk = sklearn(dir, 'clf', train, test, 'classification', a.trees, a.jobs, 'sqrt');
      if (sk) rows.push(sk);
      const c = compare('classifier vs scikit-learn', ours, sk);
      if (c) notes.push(c);
    }
    // small table where ml-random-forest finishes
    if (a.ml) {
      const small = sliceRows(all, 0, a.mlRows);
      const smallTest = sliceRows(all, a.rows, a.rows + Math.min(a.test, 5000));
      console.log(`small classification: ${a.mlRows} train rows, ${a.mlTrees} trees (ml-random-forest is O(n^2) per node)`);
      const mine = await refinery(small, smallTest, 'classification', a.mlTrees, a.threads);
      rows.push(mine);
      const mlr = mlRandomForest(small, smallTest, a.mlTrees);
      rows.push(mlr);
      notes.push(
        `small classifier vs ml-random-forest: fit ${(mlr.fit / mine.fit).toFixed(0)}x faster; accuracy ${mine.score.toFixed(4)} vs ${mlr.score.toFixed(4)} (${((mine.score - mlr.score) * 100).toFixed(2)} points)`,
      );
      if (a.sklearn) {
        const sk = sklearn(dir, 'clf-small', small, smallTest, 'classification', a.mlTrees, a.jobs, 'sqrt');
        if (sk) rows.push(sk);
        const c = compare('small classifier vs scikit-learn', mine, sk);
        if (c) notes.push(c);
      }
    }
    if (a.reg) {
      const allR = makeRegression({ nRows: a.regRows + a.test, nFeatures: 40, seed: 11 });
      const trainR = sliceRows(allR, 0, a.regRows);
      const testR = sliceRows(allR, a.regRows, a.regRows + a.test);
      console.log(`regression: ${a.regRows} train rows, 40 features, ${a.regTrees} trees, max_features 1.0`);
      const oursR = await refinery(trainR, testR, 'regression', a.regTrees, a.threads);
      rows.push(oursR);
      if (a.sklearn) {
        const sk = sklearn(dir, 'reg', trainR, testR, 'regression', a.regTrees, a.jobs, '1.0');
        if (sk) rows.push(sk);
        const c = compare('regressor vs scikit-learn', oursR, sk);
        if (c) notes.push(c);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log('');
  printTable(rows);
  console.log('');
  for (const n of notes) console.log(`- ${n}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
