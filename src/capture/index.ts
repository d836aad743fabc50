/** Streaming readers of pcap and pcapng captures (plain or gzip), producing column-wise packet batches. */
export { createBatch, LinkType } from './batch';
export type { PacketBatch, CaptureIssue } from './batch';
export { CaptureError, IssueLog } from './errors';
export { DEFAULT_MAX_RECORD_BYTES } from './parser';
export type { CaptureFormat, RecordParser } from './parser';
export { PcapParser, PcapMagic, isPcapMagic } from './pcapReader';
export { PcapngParser, BlockType } from './pcapngReader';
export type { PcapngInterface } from './pcapngReader';
export { ChunkDriver } from './chunker';
export { openCapture, readCaptureSync, CaptureReader } from './reader';
export type { CaptureSource, CaptureOptions, CaptureStats, CaptureSummary } from './reader';
export { PcapWriter, pcapFileWriter } from './pcapWriter';
