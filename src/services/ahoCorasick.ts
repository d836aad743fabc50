/**
 * Aho–Corasick automaton over domain strings: answers "which pattern occurs anywhere in
 * this name" in one pass over the name, whatever the number of patterns (the ads config
 * has ~50,000). Edges live in one Map keyed by node * 128 + byte; matching is case-insensitive.
 */
export class AhoCorasick {
  private readonly edges = new Map<number, number>();
  private fail: Int32Array = new Int32Array(0);
  /** Smallest pattern id that ends at each node (or through its suffix links), -1 for none. */
  private out: Int32Array = new Int32Array(0);
  private nodes = 1;
  private pending: number[] = [-1];
  private built = false;

  /** Adds a pattern; `id` is returned by `match` (smaller ids win when several match). */
  add(pattern: string, id: number): void {
    if (this.built) throw new Error('AhoCorasick: add() after build()');
    let node = 0;
    const s = pattern.toLowerCase();
    if (s.length === 0) return;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i) & 0x7f;
      const key = node * 128 + c;
      let next = this.edges.get(key);
      if (next === undefined) {
        next = this.nodes++;
        this.edges.set(key, next);
        this.pending.push(-1);
      }
      node = next;
    }
    const cur = this.pending[node];
    if (cur < 0 || id < cur) this.pending[node] = id;
  }

  /** Computes failure links breadth-first; call once after the last `add`. */
  build(): this {
    const n = this.nodes;
    this.fail = new Int32Array(n);
    this.out = Int32Array.from(this.pending);
    this.pending = [];
    // Children lists for the BFS, derived from the edge map.
    const childStart = new Int32Array(n + 1);
    for (const key of this.edges.keys()) childStart[Math.floor(key / 128) + 1]++;
    for (let i = 0; i < n; i++) childStart[i + 1] += childStart[i];
    const fillPos = childStart.slice(0, n);
    const childNode = new Int32Array(this.edges.size);
    const childChar = new Uint8Array(this.edges.size);
    for (const [key, child] of this.edges) {
      const parent = Math.floor(key / 128);
      const at = fillPos[parent]++;
      childNode[at] = child;
      childChar[at] = key % 128;
    }
    const queue = new Int32Array(n);
    let head = 0, tail = 0;
    for (let e = childStart[0]; e < childStart[1]; e++) { this.fail[childNode[e]] = 0; queue[tail++] = childNode[e]; }
    while (head < tail) {
      const u = queue[head++];
      for (let e = childStart[u]; e < childStart[u + 1]; e++) {
        const v = childNode[e], c = childChar[e];
        let f = this.fail[u];
        let target = this.edges.get(f * 128 + c);
        while (target === undefined && f !== 0) { f = this.fail[f]; target = this.edges.get(f * 128 + c); }
        this.fail[v] = target !== undefined && target !== v ? target : 0;
        const o = this.out[this.fail[v]];
        if (o >= 0 && (this.out[v] < 0 || o < this.out[v])) this.out[v] = o;
        queue[tail++] = v;
      }
    }
    this.built = true;
    return this;
  }

  /** The smallest id of a pattern contained in `text`, or -1. */
  match(text: string): number {
    if (!this.built) this.build();
    let node = 0, best = -1;
    for (let i = 0; i < text.length; i++) {
      let c = text.charCodeAt(i);
      if (c >= 65 && c <= 90) c += 32;
      c &= 0x7f;
      let next = this.edges.get(node * 128 + c);
      while (next === undefined && node !== 0) { node = this.fail[node]; next = this.edges.get(node * 128 + c); }
      node = next ?? 0;
      const o = this.out[node];
      if (o >= 0 && (best < 0 || o < best)) best = o;
    }
    return best;
  }

  get size(): number { return this.nodes; }

  stateBytes(): number {
    // A Map entry costs roughly 3 words of hash table plus key/value slots in V8.
    return this.edges.size * 40 + this.fail.byteLength + this.out.byteLength;
  }
}
