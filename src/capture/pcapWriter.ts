import { createWriteStream, WriteStream } from 'node:fs';

/**
 * Writes classic libpcap files (microsecond or nanosecond magic, little endian).
 * Used by the dataset generator and by tests that hand-build captures.
 */
export class PcapWriter {
  private readonly parts: Uint8Array[] = [];
  private pending = 0;
  private readonly header = new Uint8Array(16);
  private readonly headerView = new DataView(this.header.buffer);

  constructor(
    private readonly sink: { write(chunk: Uint8Array): unknown } | null,
    readonly linkType = 1,
    readonly snaplen = 262144,
    readonly nanosecond = false,
  ) {
    const h = new Uint8Array(24);
    const v = new DataView(h.buffer);
    v.setUint32(0, nanosecond ? 0xa1b23c4d : 0xa1b2c3d4, true);
    v.setUint16(4, 2, true);
    v.setUint16(6, 4, true);
    v.setUint32(16, snaplen, true);
    v.setUint32(20, linkType, true);
    this.emit(h);
  }

  /** Appends one record; `data` is truncated to `snaplen`, `wireLength` defaults to its length. */
  write(tsSeconds: number, data: Uint8Array, wireLength = data.length): void {
    let sec = Math.floor(tsSeconds);
    const scale = this.nanosecond ? 1e9 : 1e6;
    let frac = Math.round((tsSeconds - sec) * scale);
    if (frac >= scale) { sec += 1; frac -= scale; }
    const cap = Math.min(data.length, this.snaplen);
    this.headerView.setUint32(0, sec, true);
    this.headerView.setUint32(4, frac, true);
    this.headerView.setUint32(8, cap, true);
    this.headerView.setUint32(12, Math.max(wireLength, cap), true);
    this.emit(this.header.slice());
    this.emit(cap === data.length ? data : data.subarray(0, cap));
  }

  private emit(chunk: Uint8Array): void {
    if (this.sink) this.sink.write(chunk);
    else { this.parts.push(chunk); this.pending += chunk.length; }
  }

  /** The whole file, when the writer was created without a sink. */
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.pending);
  }
}

/** Opens a file-backed writer; call `end()` on the returned stream when done. */
export function pcapFileWriter(path: string, linkType = 1, snaplen = 262144): { writer: PcapWriter; stream: WriteStream } {
  const stream = createWriteStream(path);
  return { writer: new PcapWriter(stream, linkType, snaplen), stream };
}
