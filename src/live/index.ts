/** Live collection: a capture on an interface -> one Pipeline -> rotating files and capture statistics. */
export { runLive } from './run';
export type { LiveRunOptions, LiveSummary, LiveSource } from './run';
export { RotatingSink, stamp } from './rotating';
export type { RotatingSinkOptions, RotatedFile } from './rotating';
export { CaptureStatsWriter } from './captureStats';
export type { CaptureStatsRecord, CaptureTotals } from './captureStats';
export { CaptureClock } from './clock';
export { onStopSignals } from './signals';
export { openLive, LiveCapture, LiveCaptureError, NativeUnavailableError, nativeAvailable, readCaptureNativeSync, pcapVersion } from '../capture/live';
export type { LiveOptions, LiveStats } from '../capture/live';
