import type { CaptureIssue } from './batch';

/**
 * A fatal problem with a capture: the reader stops, and every batch delivered before stays valid.
 * `offset` is the byte offset (in the decompressed capture) of the record or header at fault.
 */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    /** The capture's name (its path, or the `name` option). */
    readonly file: string,
    /** Byte offset of the faulty header or record in the (decompressed) capture. */
    readonly offset: number,
    /** Short machine-readable reason, e.g. `record-too-large`, `not-a-capture`. */
    readonly reason: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message} (byte offset ${offset})`, options);
  }
}

/**
 * Where parsers report problems. Each reason is recorded once in `issues` (with the offset of its
 * first occurrence) and counted every time in `counts`.
 */
export class IssueLog {
  readonly issues: CaptureIssue[] = [];
  readonly counts: Record<string, number> = {};
  constructor(readonly file: string) {}

  /** Records a non-fatal problem. */
  report(reason: string, offset: number, message: string): void {
    const c = this.counts[reason];
    if (c === undefined) {
      this.counts[reason] = 1;
      this.issues.push({ file: this.file, offset, reason, message, fatal: false });
    } else this.counts[reason] = c + 1;
  }

  /** Records a fatal problem and returns the error to throw. */
  fatal(reason: string, offset: number, message: string, cause?: unknown): CaptureError {
    this.counts[reason] = (this.counts[reason] ?? 0) + 1;
    this.issues.push({ file: this.file, offset, reason, message, fatal: true });
    return new CaptureError(this.file, offset, reason, message, cause === undefined ? undefined : { cause });
  }
}
