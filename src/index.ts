/**
 * traffic-refinery: cost-aware traffic representation.
 * Packets -> flows -> services -> feature classes per bin -> tables, costs and models.
 */
export * from './capture';
export { Packet, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, TCP_URG } from './decode/packet';
export { decodeRecord, Skip, SKIP_REASONS } from './decode/decoder';
export { FlowTable } from './flows/flowTable';
export { formatAddress, parseAddress, isPrivateAddress } from './flows/address';
export { ServiceMap, CATEGORIZED_BY } from './services/serviceMap';
export { AhoCorasick } from './services/ahoCorasick';
export { PrefixMatcher } from './services/prefixMatcher';
export { parseDns } from './services/dns';
export { tlsSni, quicSni } from './services/sni';
export { loadConfig, normalizeConfig, defaultConfig, ConfigError } from './config/config';
export type { RefineryConfig, ServiceSpec } from './config/config';
export * from './features';
export { Pipeline } from './pipeline/pipeline';
export type { PipelineOptions } from './pipeline/pipeline';
export type { BinRow, RowSink, TextRowSink, TextEncoding } from './pipeline/rows';
export { closeWorkers } from './pipeline/workerPool';
export type { ParallelTiming } from './pipeline/parallel';
export { RunStats } from './pipeline/stats';
export { extract, extractTable, resolveConfig } from './pipeline/extract';
export type { ExtractOptions, ExtractResult, ExtractProgress } from './pipeline/extract';
export { FeatureTable, FLOW_META, SESSION_META, loadDanfo } from './output/table';
export { FileSink, encodeTable, readTable, tableToCsv, tableToJsonl, tableToParquet, formatOf } from './output/formats';
export type { OutputFormat } from './output/formats';
export * as packets from './datasets/packets';
export * as plot from './plot/index';
export * as report from './report/index';
export * from './model';
export * as datasets from './datasets/index';
export { generateDataset } from './datasets/generator';
export { ensureDefaultDataset } from './datasets/defaultDataset';
export { importRequet, loadRequetCheckout } from './datasets/requet';
export { labelBins } from './datasets/labelBins';
export { readDatasetSync } from './datasets/labels';
export * as quic from './services/quic/index';
export * as profiling from './profile/index';
export { profile, profileTables, extrapolate } from './profile/index';
export { openLive } from './capture/live';
export { runLive } from './live/run';
