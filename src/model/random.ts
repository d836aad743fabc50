/** A small seeded generator (xorshift32) for shuffles in model code; never Math.random. */
export function xorshift(seed: number): () => number {
  let s = (seed | 0) || 0x2545f491;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}
