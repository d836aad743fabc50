/**
 * JSON form of flat trees: each typed array as base64 of its little-endian bytes (compact, exact,
 * and fast to parse; every platform Node supports is little-endian).
 */
import type { FlatTree } from './tree';

export interface TreeJSON {
  nNodes: number;
  nOut: number;
  feature: string;
  threshold: string;
  left: string;
  right: string;
  /** 'f32' (class probabilities) or 'f64' (regression means). */
  valueType: 'f32' | 'f64';
  value: string;
}

function toB64(a: ArrayBufferView): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function fromB64(s: unknown, what: string): ArrayBuffer {
  if (typeof s !== 'string') throw new Error(`invalid forest model: ${what} is not a base64 string`);
  const buf = Buffer.from(s, 'base64');
  const out = new ArrayBuffer(buf.byteLength);
  new Uint8Array(out).set(buf);
  return out;
}

export function treeToJSON(t: FlatTree): TreeJSON {
  return {
    nNodes: t.nNodes,
    nOut: t.nOut,
    feature: toB64(t.feature),
    threshold: toB64(t.threshold),
    left: toB64(t.left),
    right: toB64(t.right),
    valueType: t.value instanceof Float32Array ? 'f32' : 'f64',
    value: toB64(t.value),
  };
}

export function treeFromJSON(j: TreeJSON, nFeatures: number, where: string): FlatTree {
  if (j === null || typeof j !== 'object') throw new Error(`invalid forest model: ${where} is not an object`);
  const nNodes = j.nNodes;
  const nOut = j.nOut;
  if (!Number.isInteger(nNodes) || nNodes < 1 || !Number.isInteger(nOut) || nOut < 1) {
    throw new Error(`invalid forest model: ${where} has bad nNodes/nOut`);
  }
  const feature = new Int32Array(fromB64(j.feature, `${where}.feature`));
  const threshold = new Float64Array(fromB64(j.threshold, `${where}.threshold`));
  const left = new Int32Array(fromB64(j.left, `${where}.left`));
  const right = new Int32Array(fromB64(j.right, `${where}.right`));
  const vb = fromB64(j.value, `${where}.value`);
  const value = j.valueType === 'f32' ? new Float32Array(vb) : new Float64Array(vb);
  if (feature.length !== nNodes || threshold.length !== nNodes || left.length !== nNodes || right.length !== nNodes) {
    throw new Error(`invalid forest model: ${where} arrays do not have ${nNodes} nodes`);
  }
  const nLeaves = value.length / nOut;
  for (let i = 0; i < nNodes; i++) {
    const f = feature[i];
    if (f >= 0) {
      if (f >= nFeatures || left[i] <= i || left[i] + 1 >= nNodes || right[i] !== left[i] + 1) {
        throw new Error(`invalid forest model: ${where} node ${i} is malformed`);
      }
    } else if (left[i] < 0 || left[i] >= nLeaves) {
      throw new Error(`invalid forest model: ${where} leaf ${i} points outside the values`);
    }
  }
  return { nNodes, nOut, feature, threshold, left, right, value };
}
