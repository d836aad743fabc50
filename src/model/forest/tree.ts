/**
 * One CART tree: histogram-based growth on a {@link BinnedTable}, a flat typed-array
 * representation, and prediction on raw float rows.
 *
 * Growth (per tree, depth first):
 * - rows are drawn with a bootstrap (per-row integer weights = draw counts); the distinct in-bag
 *   rows are copied (codes, class or target, weight) into a private row-major working table that is
 *   partitioned in place as nodes split (rows swapped as 32-bit words), so a node is a contiguous
 *   range [start, end) and every histogram pass streams through memory;
 * - at every node `maxFeatures` features are drawn without replacement (a partial Fisher-Yates
 *   shuffle, as scikit-learn does); features constant in the node do not count and further features
 *   are drawn instead; a column that is constant in the whole table is never split on;
 * - for each drawn feature one pass over the node's rows fills a per-bin histogram (weighted class
 *   counts, or weight and weighted target sum) in preallocated typed arrays; a 256-bit bitmap of the
 *   bins that were touched lets the scan visit only occupied bins, in order, and reset them;
 * - the scan keeps the left/right sufficient statistics incrementally and scores every boundary
 *   with the usual proxy (gini: sum(c^2)/w per child; entropy: sum(c ln c) - w ln w; mse:
 *   s^2/w per child). Nothing is allocated per node or per candidate.
 * - a node becomes a leaf when it is pure (zero impurity), has fewer than `minSamplesSplit` distinct
 *   rows, cannot give two children of `minSamplesLeaf` distinct rows, is at `maxDepth`, or no
 *   drawn feature varies within it.
 *
 * Representation: node i is internal when feature[i] >= 0 (go left when x[feature] <= threshold),
 * else a leaf whose outputs are value[left[i] * nOut ...] (class probabilities, or the mean).
 */
import type { BinnedTable } from './quantize';
import { Rng, treeSeed } from './rng';

export type Task = 'classification' | 'regression';
export type Criterion = 'gini' | 'entropy' | 'mse';

export interface FlatTree {
  nNodes: number;
  /** Split feature of each node, -1 for a leaf. */
  feature: Int32Array;
  /** Split threshold (real value): go left when x <= threshold. 0 for leaves. */
  threshold: Float64Array;
  /** Left child of an internal node; leaf slot (row of `value`) of a leaf. */
  left: Int32Array;
  /** Right child of an internal node; -1 for a leaf. */
  right: Int32Array;
  /** Leaf outputs, nOut per leaf: class probabilities (Float32) or means (Float64). */
  value: Float32Array | Float64Array;
  nOut: number;
}

export interface GrowParams {
  task: Task;
  criterion: Criterion;
  /** Number of classes (classification) or 1 (regression). */
  nClasses: number;
  /** Features examined per split (resolved count, 1..nCols). */
  maxFeatures: number;
  maxDepth: number;
  minSamplesLeaf: number;
  minSamplesSplit: number;
  bootstrap: boolean;
  /** Bootstrap draws per tree. */
  nDraws: number;
  seed: number;
}

export interface GrownTree {
  tree: FlatTree;
  /** Unnormalised mean-decrease-in-impurity of each feature (weighted by node weight). */
  importances: Float64Array;
}

/**
 * Fills `w` with the per-row weights of tree `index`'s sample and returns the RNG positioned after
 * the draw (the same generator then draws the split features).
 */
export function drawSample(params: GrowParams, index: number, nRows: number, w: Float64Array): Rng {
  const rng = new Rng(treeSeed(params.seed, index));
  if (!params.bootstrap) {
    w.fill(1);
    return rng;
  }
  w.fill(0);
  for (let i = 0; i < params.nDraws; i++) w[rng.nextInt(nRows)] += 1;
  return rng;
}

function xlogx(x: number): number {
  return x > 0 ? x * Math.log(x) : 0;
}

/** Grows trees on one table; all work buffers are allocated once and reused across trees. */
export class TreeBuilder {
  private readonly nRows: number;
  private readonly nCols: number;
  /** Bytes per row in the table and in the working copy (multiple of 4). */
  private readonly P: number;
  private readonly K: number;
  private readonly codes32: Uint32Array;
  private readonly nBins: Int32Array;
  private readonly thresholds: Float64Array;
  private readonly stride: number;
  private readonly yClass: Uint16Array;
  private readonly yValue: Float64Array;
  private readonly isClassifier: boolean;
  private readonly entropy: boolean;

  /** Per original row: bootstrap weight. */
  private readonly w: Float64Array;
  /** Working table: in-bag rows, row-major, physically partitioned by node. */
  private readonly work: Uint8Array;
  private readonly work32: Uint32Array;
  /** Per working position: class code, weight, target, weight * target. */
  private readonly posClass: Uint16Array;
  private readonly posW: Float64Array;
  private readonly posY: Float64Array;
  private readonly posWY: Float64Array;

  private readonly feats: Int32Array;
  private readonly cnt: Int32Array;
  private readonly bitmap: Int32Array;
  private readonly hist: Float64Array;
  private readonly histS: Float64Array;
  private readonly cTot: Float64Array;
  private readonly cL: Float64Array;
  private readonly stack: Int32Array;

  private readonly nodeFeature: Int32Array;
  private readonly nodeThreshold: Float64Array;
  private readonly nodeLeft: Int32Array;
  private readonly nodeRight: Int32Array;
  private readonly nodeW: Float64Array;
  private readonly nodeImp: Float64Array;
  private readonly leafValue: Float64Array;

  private rng: Rng = new Rng(0);
  private bestF = -1;
  private bestB = -1;

  constructor(
    table: BinnedTable,
    /** Class codes 0..K-1 (classification) or target values (regression). */
    y: Uint16Array | Float64Array,
    private readonly params: GrowParams,
  ) {
    const n = table.nRows;
    this.nRows = n;
    this.nCols = table.nCols;
    this.P = table.rowStride;
    this.codes32 = new Uint32Array(table.codes.buffer, table.codes.byteOffset, (n * table.rowStride) >>> 2);
    this.nBins = table.nBins;
    this.thresholds = table.thresholds;
    this.stride = table.stride;
    this.isClassifier = params.task === 'classification';
    this.entropy = params.criterion === 'entropy';
    this.K = this.isClassifier ? params.nClasses : 1;
    this.yClass = this.isClassifier ? (y as Uint16Array) : new Uint16Array(0);
    this.yValue = this.isClassifier ? new Float64Array(0) : (y as Float64Array);

    this.w = new Float64Array(n);
    this.work = new Uint8Array(n * this.P);
    this.work32 = new Uint32Array(this.work.buffer);
    this.posClass = new Uint16Array(this.isClassifier ? n : 0);
    this.posW = new Float64Array(n);
    this.posY = new Float64Array(this.isClassifier ? 0 : n);
    this.posWY = new Float64Array(this.isClassifier ? 0 : n);
    this.feats = new Int32Array(this.nCols);
    this.cnt = new Int32Array(256);
    this.bitmap = new Int32Array(8);
    this.hist = new Float64Array(256 * this.K);
    this.histS = new Float64Array(this.isClassifier ? 0 : 256);
    this.cTot = new Float64Array(this.K);
    this.cL = new Float64Array(this.K);
    this.stack = new Int32Array(4 * (n + 2));
    const cap = 2 * n + 1;
    this.nodeFeature = new Int32Array(cap);
    this.nodeThreshold = new Float64Array(cap);
    this.nodeLeft = new Int32Array(cap);
    this.nodeRight = new Int32Array(cap);
    this.nodeW = new Float64Array(cap);
    this.nodeImp = new Float64Array(cap);
    this.leafValue = new Float64Array((n + 1) * this.K);
  }

  /** Copies the in-bag rows into the working table; returns their number. */
  private gather(): number {
    const { nRows, w, codes32, work32, isClassifier } = this;
    const W = this.P >>> 2;
    let m = 0;
    for (let i = 0; i < nRows; i++) {
      const wi = w[i];
      if (wi <= 0) continue;
      const src = i * W;
      const dst = m * W;
      for (let k = 0; k < W; k++) work32[dst + k] = codes32[src + k];
      this.posW[m] = wi;
      if (isClassifier) this.posClass[m] = this.yClass[i];
      else {
        const yi = this.yValue[i];
        this.posY[m] = yi;
        this.posWY[m] = wi * yi;
      }
      m++;
    }
    return m;
  }

  /** Grows tree number `index` of the forest (its randomness depends only on seed and index). */
  grow(index: number): GrownTree {
    const { nRows, nCols, K, stack, params } = this;
    this.rng = drawSample(params, index, nRows, this.w);
    for (let f = 0; f < nCols; f++) this.feats[f] = f;
    const m = this.gather();

    const nodeFeature = this.nodeFeature;
    const nodeThreshold = this.nodeThreshold;
    const nodeLeft = this.nodeLeft;
    const nodeRight = this.nodeRight;
    const nodeW = this.nodeW;
    const nodeImp = this.nodeImp;
    const leafValue = this.leafValue;
    const posW = this.posW;
    const minSplit = Math.max(params.minSamplesSplit, 2 * params.minSamplesLeaf);
    const maxDepth = params.maxDepth;

    let nNodes = 1;
    let nLeaves = 0;
    stack[0] = 0;
    stack[1] = m;
    stack[2] = 0;
    stack[3] = 0;
    let sp = 4;
    while (sp > 0) {
      sp -= 4;
      const s = stack[sp];
      const e = stack[sp + 1];
      const depth = stack[sp + 2];
      const id = stack[sp + 3];

      // node statistics
      let W = 0;
      let imp = 0;
      let sumY = 0;
      if (this.isClassifier) {
        const cTot = this.cTot;
        const pc = this.posClass;
        for (let k = 0; k < K; k++) cTot[k] = 0;
        for (let p = s; p < e; p++) cTot[pc[p]] += posW[p];
        let sq = 0;
        let nonZero = 0;
        for (let k = 0; k < K; k++) {
          const c = cTot[k];
          W += c;
          sq += c * c;
          if (c > 0) nonZero++;
        }
        if (nonZero <= 1) imp = 0;
        else if (this.entropy) {
          for (let k = 0; k < K; k++) {
            const c = cTot[k];
            if (c > 0) imp -= (c / W) * Math.log(c / W);
          }
        } else {
          imp = 1 - sq / (W * W);
        }
      } else {
        const py = this.posY;
        const pwy = this.posWY;
        for (let p = s; p < e; p++) {
          W += posW[p];
          sumY += pwy[p];
        }
        const mean = sumY / W;
        let ss = 0;
        for (let p = s; p < e; p++) {
          const d = py[p] - mean;
          ss += posW[p] * d * d;
        }
        imp = ss / W;
      }
      nodeW[id] = W;
      nodeImp[id] = imp;

      let split = false;
      if (depth < maxDepth && e - s >= minSplit && imp > 1e-15) {
        split = this.isClassifier ? this.findSplitClassifier(s, e, W) : this.findSplitRegressor(s, e, W, sumY);
      }
      if (!split) {
        const slot = nLeaves++;
        nodeFeature[id] = -1;
        nodeThreshold[id] = 0;
        nodeLeft[id] = slot;
        nodeRight[id] = -1;
        if (this.isClassifier) {
          for (let k = 0; k < K; k++) leafValue[slot * K + k] = this.cTot[k] / W;
        } else {
          leafValue[slot] = sumY / W;
        }
        continue;
      }

      const f = this.bestF;
      const mid = this.partition(s, e, f, this.bestB);
      const leftId = nNodes;
      const rightId = nNodes + 1;
      nNodes += 2;
      nodeFeature[id] = f;
      nodeThreshold[id] = this.thresholds[f * this.stride + this.bestB];
      nodeLeft[id] = leftId;
      nodeRight[id] = rightId;
      // push right first so the left child is grown next
      stack[sp] = mid;
      stack[sp + 1] = e;
      stack[sp + 2] = depth + 1;
      stack[sp + 3] = rightId;
      stack[sp + 4] = s;
      stack[sp + 5] = mid;
      stack[sp + 6] = depth + 1;
      stack[sp + 7] = leftId;
      sp += 8;
    }

    const importances = new Float64Array(nCols);
    for (let id = 0; id < nNodes; id++) {
      const f = nodeFeature[id];
      if (f < 0) continue;
      const l = nodeLeft[id];
      const r = nodeRight[id];
      importances[f] += nodeW[id] * nodeImp[id] - nodeW[l] * nodeImp[l] - nodeW[r] * nodeImp[r];
    }
    const value = this.isClassifier ? new Float32Array(nLeaves * K) : new Float64Array(nLeaves);
    for (let k = 0; k < value.length; k++) value[k] = leafValue[k];
    const tree: FlatTree = {
      nNodes,
      feature: nodeFeature.slice(0, nNodes),
      threshold: nodeThreshold.slice(0, nNodes),
      left: nodeLeft.slice(0, nNodes),
      right: nodeRight.slice(0, nNodes),
      value,
      nOut: K,
    };
    return { tree, importances };
  }

  /**
   * Reorders working rows [s, e) so that rows with code <= b on feature f come first; returns the
   * first position of the right part.
   */
  private partition(s: number, e: number, f: number, b: number): number {
    const P = this.P;
    const W = P >>> 2;
    const work = this.work;
    const work32 = this.work32;
    const posW = this.posW;
    const pc = this.posClass;
    const py = this.posY;
    const pwy = this.posWY;
    const cls = this.isClassifier;
    let i = s;
    let j = e - 1;
    while (i <= j) {
      if (work[i * P + f] <= b) {
        i++;
        continue;
      }
      while (j > i && work[j * P + f] > b) j--;
      if (j === i) break;
      // swap rows i and j
      const a = i * W;
      const c = j * W;
      for (let k = 0; k < W; k++) {
        const t = work32[a + k];
        work32[a + k] = work32[c + k];
        work32[c + k] = t;
      }
      const tw = posW[i];
      posW[i] = posW[j];
      posW[j] = tw;
      if (cls) {
        const tc = pc[i];
        pc[i] = pc[j];
        pc[j] = tc;
      } else {
        const ty = py[i];
        py[i] = py[j];
        py[j] = ty;
        const twy = pwy[i];
        pwy[i] = pwy[j];
        pwy[j] = twy;
      }
      i++;
      j--;
    }
    return i;
  }

  /** Best split of node [s, e) for classification; sets bestF/bestB. */
  private findSplitClassifier(s: number, e: number, W: number): boolean {
    const K = this.K;
    const P = this.P;
    const nCols = this.nCols;
    const work = this.work;
    const nBins = this.nBins;
    const pc = this.posClass;
    const posW = this.posW;
    const hist = this.hist;
    const cnt = this.cnt;
    const bitmap = this.bitmap;
    const cTot = this.cTot;
    const cL = this.cL;
    const feats = this.feats;
    const rng = this.rng;
    const entropy = this.entropy;
    const minLeaf = this.params.minSamplesLeaf;
    const mtry = this.params.maxFeatures;
    const m = e - s;

    let sqTot = 0;
    let eTot = 0;
    for (let k = 0; k < K; k++) {
      const c = cTot[k];
      sqTot += c * c;
      eTot += xlogx(c);
    }
    let bestProxy = -Infinity;
    let bestF = -1;
    let bestB = -1;
    let visited = 0;
    for (let i = 0; i < nCols && visited < mtry; i++) {
      const j = i + rng.nextInt(nCols - i);
      const f = feats[j];
      feats[j] = feats[i];
      feats[i] = f;
      if (nBins[f] < 2) continue;
      let touched = 0;
      for (let p = s, q = s * P + f; p < e; p++, q += P) {
        const b = work[q];
        if (cnt[b]++ === 0) {
          bitmap[b >>> 5] |= 1 << (b & 31);
          touched++;
        }
        hist[b * K + pc[p]] += posW[p];
      }
      if (touched < 2) {
        // constant within this node: reset its single bin and draw another feature
        const b = work[s * P + f];
        cnt[b] = 0;
        bitmap[b >>> 5] = 0;
        for (let k = 0; k < K; k++) hist[b * K + k] = 0;
        continue;
      }
      visited++;
      for (let k = 0; k < K; k++) cL[k] = 0;
      let sqL = 0;
      let sqR = sqTot;
      let eL = 0;
      let eR = eTot;
      let wL = 0;
      let nL = 0;
      for (let wi = 0; wi < 8; wi++) {
        let bits = bitmap[wi];
        if (bits === 0) continue;
        bitmap[wi] = 0;
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const b = (wi << 5) | (31 - Math.clz32(low));
          nL += cnt[b];
          cnt[b] = 0;
          const base = b * K;
          if (entropy) {
            for (let k = 0; k < K; k++) {
              const h = hist[base + k];
              if (h !== 0) {
                hist[base + k] = 0;
                const cl = cL[k];
                const cr = cTot[k] - cl;
                eL += xlogx(cl + h) - xlogx(cl);
                eR += xlogx(cr - h) - xlogx(cr);
                cL[k] = cl + h;
                wL += h;
              }
            }
          } else {
            // branch-free: a zero count changes nothing
            for (let k = 0; k < K; k++) {
              const h = hist[base + k];
              hist[base + k] = 0;
              const cl = cL[k];
              sqL += h * (2 * cl + h);
              sqR += h * (h - 2 * (cTot[k] - cl));
              cL[k] = cl + h;
              wL += h;
            }
          }
          if (nL >= minLeaf && m - nL >= minLeaf) {
            const wR = W - wL;
            const proxy = entropy ? eL + eR - xlogx(wL) - xlogx(wR) : sqL / wL + sqR / wR;
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestF = f;
              bestB = b;
            }
          }
        }
      }
    }
    this.bestF = bestF;
    this.bestB = bestB;
    return bestF >= 0;
  }

  /** Best split of node [s, e) for regression (variance reduction); sets bestF/bestB. */
  private findSplitRegressor(s: number, e: number, W: number, sTot: number): boolean {
    const P = this.P;
    const nCols = this.nCols;
    const work = this.work;
    const nBins = this.nBins;
    const posW = this.posW;
    const pwy = this.posWY;
    const hW = this.hist;
    const hS = this.histS;
    const cnt = this.cnt;
    const bitmap = this.bitmap;
    const feats = this.feats;
    const rng = this.rng;
    const minLeaf = this.params.minSamplesLeaf;
    const mtry = this.params.maxFeatures;
    const m = e - s;

    let bestProxy = -Infinity;
    let bestF = -1;
    let bestB = -1;
    let visited = 0;
    for (let i = 0; i < nCols && visited < mtry; i++) {
      const j = i + rng.nextInt(nCols - i);
      const f = feats[j];
      feats[j] = feats[i];
      feats[i] = f;
      if (nBins[f] < 2) continue;
      let touched = 0;
      for (let p = s, q = s * P + f; p < e; p++, q += P) {
        const b = work[q];
        if (cnt[b]++ === 0) {
          bitmap[b >>> 5] |= 1 << (b & 31);
          touched++;
        }
        hW[b] += posW[p];
        hS[b] += pwy[p];
      }
      if (touched < 2) {
        const b = work[s * P + f];
        cnt[b] = 0;
        bitmap[b >>> 5] = 0;
        hW[b] = 0;
        hS[b] = 0;
        continue;
      }
      visited++;
      let wL = 0;
      let sL = 0;
      let nL = 0;
      for (let wi = 0; wi < 8; wi++) {
        let bits = bitmap[wi];
        if (bits === 0) continue;
        bitmap[wi] = 0;
        while (bits !== 0) {
          const low = bits & -bits;
          bits ^= low;
          const b = (wi << 5) | (31 - Math.clz32(low));
          nL += cnt[b];
          cnt[b] = 0;
          wL += hW[b];
          sL += hS[b];
          hW[b] = 0;
          hS[b] = 0;
          if (nL >= minLeaf && m - nL >= minLeaf) {
            const wR = W - wL;
            const sR = sTot - sL;
            const proxy = (sL * sL) / wL + (sR * sR) / wR;
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestF = f;
              bestB = b;
            }
          }
        }
      }
    }
    this.bestF = bestF;
    this.bestB = bestB;
    return bestF >= 0;
  }
}

/** Leaf slot reached by the row starting at data[offset]. */
export function leafSlot(tree: FlatTree, data: Float64Array, offset: number): number {
  const feature = tree.feature;
  const threshold = tree.threshold;
  const left = tree.left;
  let node = 0;
  for (;;) {
    const f = feature[node];
    if (f < 0) return left[node];
    // children are allocated in pairs: right = left + 1 (checked when a model is loaded)
    node = data[offset + f] <= threshold[node] ? left[node] : left[node] + 1;
  }
}

/** Adds the tree's leaf outputs for every row of a row-major table into out (nRows x nOut). */
export function accumulateTree(tree: FlatTree, data: Float64Array, nRows: number, nCols: number, out: Float64Array): void {
  const nOut = tree.nOut;
  const value = tree.value;
  for (let i = 0, off = 0; i < nRows; i++, off += nCols) {
    const slot = leafSlot(tree, data, off) * nOut;
    const o = i * nOut;
    for (let k = 0; k < nOut; k++) out[o + k] += value[slot + k];
  }
}
