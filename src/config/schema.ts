import { z } from 'zod';

/**
 * The original Traffic Refinery config (PascalCase keys, Go durations in nanoseconds),
 * accepted as it is, plus our extensions (`Bins`, `Level`, `Local`, `FeatureOptions`).
 * Unknown keys are kept (passthrough) so every real config file loads.
 */
const GoDuration = z.number().nonnegative().finite();
const StringList = z.array(z.string()).nullish();

const Parser = z.object({
  Driver: z.string().optional(),
  Ifname: z.string().optional(),
  Mode: z.string().optional(),
  Replay: z.boolean().optional(),
  ReplayMAC: z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'a MAC address like e4:ce:8f:01:4c:54').optional(),
}).passthrough();

const Service = z.object({
  Name: z.string().min(1),
  Filter: z.object({
    DomainsString: StringList,
    DomainsRegex: StringList,
    Prefixes: StringList,
  }).passthrough().nullish(),
  Collect: z.array(z.string()).min(1, 'at least one feature class or preset').optional(),
  /** Some of the original's configs (trconfig_voip.json) name the list `Features`. */
  Features: z.array(z.string()).min(1, 'at least one feature class or preset').optional(),
  Emit: z.number().optional(),
}).passthrough().refine((s) => !!(s.Collect ?? s.Features), { message: 'a service needs Collect: a list of feature classes or presets', path: ['Collect'] });

export const RawConfigSchema = z.object({
  Sys: z.object({ OutFolder: z.string().optional() }).passthrough().optional(),
  Parsers: z.object({
    DNSParser: Parser.optional(),
    TrafficParsers: z.array(Parser).nullish(),
  }).passthrough().optional(),
  FlowCache: z.object({
    EvictTime: GoDuration.optional(),
    CleanupTime: GoDuration.optional(),
    ShardsCount: z.number().int().positive().optional(),
    MaxFlows: z.number().int().positive().optional(),
    // Ours: a flow idle for less than this is never evicted to make room; a new flow that
    // finds no such flow to evict is refused (counted, not tracked). Default 0: never refuse.
    EvictMinIdle: GoDuration.optional(),
  }).passthrough().optional(),
  DNSCache: z.object({
    EvictTime: GoDuration.optional(),
    CleanupTime: GoDuration.optional(),
  }).passthrough().optional(),
  Stats: z.unknown().optional(),
  Services: z.array(Service).nullish(),
  // Extensions of ours.
  Bins: z.array(z.number().positive().max(86400)).min(1).optional(),
  Level: z.enum(['flow', 'session']).optional(),
  Local: z.object({
    Prefixes: z.array(z.string()).optional(),
    MACs: z.array(z.string().regex(/^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/, 'a MAC address like e4:ce:8f:01:4c:54')).optional(),
  }).optional(),
  FeatureOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
}).passthrough();

export type RawConfig = z.infer<typeof RawConfigSchema>;
