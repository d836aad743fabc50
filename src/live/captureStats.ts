import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of `capture-stats.jsonl`: what happened during one interval of a live run. */
export interface CaptureStatsRecord {
  /** Wall-clock time of the line (ISO 8601) and as epoch seconds. */
  time: string;
  wallTs: number;
  /** Capture-time estimate at the line (epoch seconds; null before the first packet). */
  captureTime: number | null;
  /** Seconds since the previous line. */
  interval: number;
  /** libpcap counters during the interval (deltas of pcap_stats). */
  received: number;
  dropped: number;
  ifDropped: number;
  /** Packets copied by the capture thread, and handed to the pipeline, during the interval. */
  captured: number;
  processed: number;
  /** IP bytes of processed packets, and rows (closed bins) written, during the interval. */
  bytes: number;
  rows: number;
  /** Processed packets per second over the interval. */
  pps: number;
  /** Units holding feature state, and bytes of state (flow table and feature classes), at the line. */
  activeUnits: number;
  stateBytes: number;
  /** Totals since the start. */
  totalReceived: number;
  totalDropped: number;
  totalIfDropped: number;
  totalProcessed: number;
  totalRows: number;
  /** True on the last line, written after the final flush. */
  final: boolean;
}

export interface CaptureTotals {
  received: number;
  dropped: number;
  ifDropped: number;
  captured: number;
  processed: number;
  bytes: number;
  rows: number;
}

/**
 * Appends per-interval capture statistics as JSON lines (one synchronous write per line, so the
 * file is complete up to the last interval even if the process is killed).
 */
export class CaptureStatsWriter {
  private fd: number | null;
  private prev: CaptureTotals = { received: 0, dropped: 0, ifDropped: 0, captured: 0, processed: 0, bytes: 0, rows: 0 };
  private prevWall: number;
  lines = 0;

  constructor(readonly path: string, startWallMs = Date.now()) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.prevWall = startWallMs;
  }

  /** Writes the interval ending now, from cumulative totals. Returns the record. */
  write(totals: CaptureTotals, extra: { captureTime: number; activeUnits: number; stateBytes: number; final?: boolean }, wallMs = Date.now()): CaptureStatsRecord {
    const p = this.prev;
    const interval = Math.max(0, (wallMs - this.prevWall) / 1000);
    const processed = totals.processed - p.processed;
    const rec: CaptureStatsRecord = {
      time: new Date(wallMs).toISOString(),
      wallTs: wallMs / 1000,
      captureTime: Number.isFinite(extra.captureTime) ? extra.captureTime : null,
      interval,
      received: totals.received - p.received,
      dropped: totals.dropped - p.dropped,
      ifDropped: totals.ifDropped - p.ifDropped,
      captured: totals.captured - p.captured,
      processed,
      bytes: totals.bytes - p.bytes,
      rows: totals.rows - p.rows,
      pps: interval > 0 ? processed / interval : 0,
      activeUnits: extra.activeUnits,
      stateBytes: extra.stateBytes,
      totalReceived: totals.received,
      totalDropped: totals.dropped,
      totalIfDropped: totals.ifDropped,
      totalProcessed: totals.processed,
      totalRows: totals.rows,
      final: !!extra.final,
    };
    this.prev = { ...totals };
    this.prevWall = wallMs;
    if (this.fd !== null) writeSync(this.fd, JSON.stringify(rec) + '\n');
    this.lines++;
    return rec;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
