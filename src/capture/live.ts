import { createBatch, PacketBatch } from './batch';
import { loadNative, NativeLiveCapture, NativeLiveStats, NativeSlot, NativeUnavailableError } from './nativeBinding';

export { NativeUnavailableError, NATIVE_INSTALL_HINT, nativeAvailable } from './nativeBinding';

export interface LiveOptions {
  /** Interface to capture on (`lo`, `eth0`, `any`, ...). */
  iface: string;
  /** Bytes kept of each packet (default 262144, libpcap's). Features need headers only; DNS and SNI need payload. */
  snaplen?: number;
  /** Promiscuous mode (default true). */
  promisc?: boolean;
  /** Kernel capture buffer in bytes (default 32 MiB): what absorbs bursts while JavaScript is busy. */
  bufferSize?: number;
  /** BPF filter (tcpdump syntax). A syntax error throws a {@link LiveCaptureError} with libpcap's text. */
  filter?: string;
  /** Most packets per batch (default 4096). */
  batchSize?: number;
  /** Bytes of packet data per batch (default 4 MiB, at least snaplen). */
  batchBytes?: number;
  /** Batches in flight between the capture thread and JavaScript (default 3, 2..16). */
  slots?: number;
  /** libpcap read timeout in ms (default 100): the longest a packet waits in the kernel when traffic is thin. */
  timeoutMs?: number;
  /** Immediate mode: deliver each packet at once (lower latency, more wake-ups). Default false. */
  immediate?: boolean;
}

/** Counters of a live capture; `received`, `dropped`, `ifDropped` are libpcap's (pcap_stats), cumulative. */
export interface LiveStats {
  /** Packets the kernel saw that passed the filter (Linux: including the dropped ones). */
  received: number;
  /** Packets dropped because the capture buffer was full (JavaScript or the thread could not keep up). */
  dropped: number;
  /** Packets dropped by the interface or its driver. */
  ifDropped: number;
  /** Packets copied by the capture thread. */
  captured: number;
  capturedBytes: number;
  /** Packets handed to JavaScript in batches. */
  delivered: number;
  batches: number;
  /** Packets thrown away by an abrupt close (0 after a graceful stop). */
  discarded: number;
}

/** A live capture could not start or failed (no such device, permission, bad filter, interface gone). */
export class LiveCaptureError extends Error {
  override readonly name = 'LiveCaptureError';
  constructor(message: string, readonly code: string) {
    super(message);
  }
}

/**
 * Packets of a network interface as a sequence of {@link PacketBatch}es. libpcap runs on a native
 * thread which fills batches in turn; each crossing to JavaScript carries a whole batch.
 *
 * ```ts
 * const cap = openLive({ iface: 'eth0', filter: 'tcp port 443' });
 * process.on('SIGINT', () => cap.stop());
 * for await (const batch of cap) pipeline.processBatch(batch);
 * console.log(cap.stats());
 * ```
 *
 * Same contract as a file reader: a batch (and its buffer) is reused, finish with it before asking
 * for the next. `stop()` ends the capture gracefully: what the kernel already holds is delivered,
 * then the loop ends. Breaking out of the loop or `close()` stops at once.
 */
export class LiveCapture implements AsyncIterable<PacketBatch> {
  readonly iface: string;
  /** LINKTYPE_* of the interface (1 = Ethernet, also Linux loopback). */
  readonly linkType: number;
  readonly snaplen: number;
  /** Timestamps have nanosecond resolution (else microseconds scaled to ns). */
  readonly nanosecond: boolean;
  /** libpcap warning at activation (e.g. promiscuous mode not supported), or null. */
  readonly warning: string | null;
  private readonly native: NativeLiveCapture;
  private readonly batches: PacketBatch[];
  private wake: (() => void) | null = null;
  private started = false;
  private closed = false;
  private delivered = 0;
  private final: LiveStats | null = null;

  /** Use {@link openLive}. */
  constructor(opts: LiveOptions) {
    const binding = loadNative();
    const snaplen = positive(opts.snaplen, 262144, 'snaplen');
    const batchSize = positive(opts.batchSize, 4096, 'batchSize');
    const batchBytes = Math.max(positive(opts.batchBytes, 4 << 20, 'batchBytes'), snaplen);
    const nslots = Math.min(16, Math.max(2, positive(opts.slots, 3, 'slots')));
    this.iface = opts.iface;
    this.batches = [];
    const slots: NativeSlot[] = [];
    for (let i = 0; i < nslots; i++) {
      const b = createBatch(batchSize, new Uint8Array(batchBytes));
      this.batches.push(b);
      slots.push({ buf: b.buf, offset: b.offset, caplen: b.caplen, wirelen: b.wirelen, tsSec: b.tsSec, tsNsec: b.tsNsec });
    }
    try {
      this.native = new binding.LiveCapture({
        iface: opts.iface, snaplen, promisc: opts.promisc ?? true, bufferSize: positive(opts.bufferSize, 32 << 20, 'bufferSize'),
        timeoutMs: positive(opts.timeoutMs, 100, 'timeoutMs'), immediate: !!opts.immediate, filter: opts.filter ?? '',
      }, slots, () => this.onReady());
    } catch (e) {
      const err = e as Error & { code?: string };
      throw new LiveCaptureError(err.message, err.code ?? 'EPCAP');
    }
    this.linkType = this.native.linkType;
    this.snaplen = this.native.snaplen;
    this.nanosecond = this.native.nanosecond;
    this.warning = this.native.warning;
    for (const b of this.batches) b.linkType.fill(this.linkType);
  }

  /** Counters so far (cumulative). */
  stats(): LiveStats {
    if (this.final) return { ...this.final };
    const s = this.native.stats();
    return statsOf(s, this.delivered);
  }

  /** Graceful stop: the capture ends, packets already captured are still delivered, then the loop ends. */
  stop(): void {
    if (!this.started && !this.closed) { void this.close(); return; }
    this.native.stop();
  }

  /** Stops at once and releases the interface (batches not yet taken are discarded). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.native.close();
    this.final = statsOf(this.native.stats(), this.delivered);
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<PacketBatch> {
    if (this.started) throw new Error(`live capture on ${this.iface} can be iterated only once`);
    this.started = true;
    return this.run();
  }

  private onReady(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async *run(): AsyncGenerator<PacketBatch, void, undefined> {
    if (this.closed) return;
    this.native.start();
    try {
      for (;;) {
        if (this.closed) return;
        const r = this.native.next();
        if (r === -2) break;
        if (r === -1) {
          await new Promise<void>((resolve) => { this.wake = resolve; });
          continue;
        }
        const batch = this.batches[r % 16];
        batch.count = Math.floor(r / 16);
        this.delivered += batch.count;
        yield batch;
      }
      const error = this.native.stats().error;
      if (error) throw new LiveCaptureError(`capture on ${this.iface} failed: ${error}`, 'EPCAP');
    } finally {
      await this.close();
    }
  }
}

/**
 * Opens a live capture on an interface (needs root or CAP_NET_RAW). Throws
 * {@link NativeUnavailableError} when the addon is not built (its message says what to install),
 * {@link LiveCaptureError} when libpcap refuses (no such device, permission, bad filter).
 */
export function openLive(opts: LiveOptions): LiveCapture {
  if (!opts || typeof opts.iface !== 'string' || opts.iface === '') throw new TypeError('openLive: iface is required');
  return new LiveCapture(opts);
}

/** The libpcap version string of the addon (throws NativeUnavailableError when missing). */
export function pcapVersion(): string {
  return loadNative().libVersion;
}

/**
 * Reads a capture file with libpcap (the addon's file reader) into batches, synchronously: the
 * native counterpart of `readCaptureSync`, for comparisons. pcap and pcapng, not gzip.
 */
export function readCaptureNativeSync(path: string, onBatch: (batch: PacketBatch) => void, opts: { batchSize?: number; batchBytes?: number } = {}): { records: number; linkType: number; error?: string } {
  const binding = loadNative();
  const batch = createBatch(positive(opts.batchSize, 4096, 'batchSize'), new Uint8Array(positive(opts.batchBytes, 4 << 20, 'batchBytes')));
  let fc;
  try {
    fc = new binding.FileCapture(path, { buf: batch.buf, offset: batch.offset, caplen: batch.caplen, wirelen: batch.wirelen, tsSec: batch.tsSec, tsNsec: batch.tsNsec });
  } catch (e) {
    throw new LiveCaptureError((e as Error).message, 'EPCAP');
  }
  batch.linkType.fill(fc.linkType);
  let records = 0;
  try {
    for (;;) {
      const n = fc.read();
      if (n === 0) break;
      batch.count = n;
      records += n;
      onBatch(batch);
    }
  } finally {
    fc.close();
  }
  return { records, linkType: fc.linkType, error: fc.error };
}

function statsOf(s: NativeLiveStats, delivered: number): LiveStats {
  return {
    received: s.received, dropped: s.dropped, ifDropped: s.ifDropped, captured: s.captured, capturedBytes: s.capturedBytes,
    delivered, batches: s.batches, discarded: s.discarded,
  };
}

function positive(v: number | undefined, dflt: number, what: string): number {
  if (v === undefined) return dflt;
  if (!Number.isFinite(v) || v < 1) throw new RangeError(`${what} must be a positive number, not ${v}`);
  return Math.floor(v);
}

/** True when `e` is an error of the live path that deserves a message, not a stack trace. */
export function isLiveError(e: unknown): e is LiveCaptureError | NativeUnavailableError {
  return e instanceof LiveCaptureError || e instanceof NativeUnavailableError;
}

