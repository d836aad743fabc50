/**
 * Capture time while traffic pauses: the last packet's timestamp plus the wall time elapsed since
 * it was processed, less a grace period for packets still buffered between the kernel and the
 * pipeline. Bins then close in capture time even when no packet arrives. Monotone.
 */
export class CaptureClock {
  private lastTs = -Infinity;
  private wallAtLast = 0;
  private last = -Infinity;

  /** @param graceSeconds how far behind the extrapolated time to stay (default 0.5 s). */
  constructor(readonly graceSeconds = 0.5) {}

  /** Records the newest packet time after a batch, and the wall time (ms) it was processed at. */
  observe(captureTs: number, wallMs: number): void {
    if (!(captureTs > -Infinity)) return;
    if (captureTs > this.lastTs) this.lastTs = captureTs;
    this.wallAtLast = wallMs;
  }

  /** The estimate at wall time `wallMs` (ms); -Infinity before the first packet. */
  estimate(wallMs: number): number {
    if (this.lastTs === -Infinity) return -Infinity;
    const est = this.lastTs + Math.max(0, (wallMs - this.wallAtLast) / 1000 - this.graceSeconds);
    if (est > this.last) this.last = est;
    return this.last;
  }

  /** Newest packet timestamp seen. */
  get lastPacketTs(): number {
    return this.lastTs;
  }
}
