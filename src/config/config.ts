import { readFileSync } from 'node:fs';
import type { RawConfig } from './schema';
import { resolveCollect } from '../features/registry';
// Built-in classes register on import: a config can name them as soon as it is loaded.
import '../features';
import { PrefixMatcher } from '../services/prefixMatcher';

/** A service after validation: what identifies its traffic and which classes it collects. */
export interface ServiceSpec {
  name: string;
  domainsString: string[];
  domainsRegex: string[];
  prefixes: string[];
  /** Resolved feature class names (presets expanded). */
  collect: string[];
}

/** The normalized configuration every part of the pipeline reads. */
export interface RefineryConfig {
  services: ServiceSpec[];
  /** True when no service was configured: every flow goes to the catch-all service `all`. */
  catchAll: boolean;
  flowEvictSeconds: number;
  flowCleanupSeconds: number;
  maxFlows: number;
  /** With maxFlows: flows idle for less than this are never evicted for space (new ones are refused instead). */
  evictMinIdleSeconds: number;
  dnsEvictSeconds: number;
  bins: number[];
  level: 'flow' | 'session';
  localPrefixes: string[];
  localMacs: string[];
  featureOptions: Record<string, Record<string, unknown>>;
  /** Where the config came from, for messages. */
  source: string;
}

export class ConfigError extends Error {
  constructor(message: string, readonly source: string, readonly path: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const NS = 1e9;

/** Defaults: the original's 10-minute flow and DNS eviction, 10 s bins, one catch-all service. */
export function defaultConfig(): RefineryConfig {
  return normalizeConfig({}, '(defaults)');
}

/** Reads and validates a config file (the original's format, plus our extensions). */
export function loadConfig(path: string): RefineryConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError(`${path}: cannot read config: ${(e as Error).message}`, path, '');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${path}: not valid JSON: ${(e as Error).message}`, path, '');
  }
  return normalizeConfig(json, path);
}

/** Validates a config object (as parsed from JSON) and fills in defaults. */
export function normalizeConfig(input: unknown, source = '(inline config)'): RefineryConfig {
  // The schema (zod, ~100 ms to load) is loaded on first use: worker threads get configs
  // already normalized and never need it.
  const { RawConfigSchema } = require('./schema') as typeof import('./schema');
  const parsed = RawConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue.path.map(String).join('.');
    const value = valueAt(input, issue.path as (string | number)[]);
    throw new ConfigError(
      `${source}: ${path || '(root)'}: ${issue.message}${value !== undefined ? ` (got ${JSON.stringify(value)?.slice(0, 80)})` : ''}`,
      source, path);
  }
  const raw: RawConfig = parsed.data;
  const services: ServiceSpec[] = (raw.Services ?? []).map((s, i) => {
    const where = `Services.${i}`;
    const spec: ServiceSpec = {
      name: s.Name,
      domainsString: (s.Filter?.DomainsString ?? []).filter((d) => d.length > 0),
      domainsRegex: s.Filter?.DomainsRegex ?? [],
      prefixes: s.Filter?.Prefixes ?? [],
      collect: s.Collect
        ? wrap(source, `${where}.Collect`, () => resolveCollect(s.Collect!, `${where}.Collect`))
        : wrap(source, `${where}.Features`, () => resolveCollect(s.Features!, `${where}.Features`)),
    };
    spec.domainsRegex.forEach((r, j) => wrap(source, `${where}.Filter.DomainsRegex.${j}`, () => new RegExp(r)));
    const probe = new PrefixMatcher();
    spec.prefixes.forEach((p, j) => wrap(source, `${where}.Filter.Prefixes.${j}`, () => probe.add(p, 0)));
    return spec;
  });
  const names = new Set<string>();
  services.forEach((s, i) => {
    if (names.has(s.name)) throw new ConfigError(`${source}: Services.${i}.Name: service "${s.name}" is defined twice`, source, `Services.${i}.Name`);
    names.add(s.name);
  });
  const catchAll = services.length === 0;
  if (catchAll) services.push({ name: 'all', domainsString: [], domainsRegex: [], prefixes: [], collect: ['PacketCounters'] });
  const macs = [
    ...(raw.Local?.MACs ?? []),
    ...[raw.Parsers?.DNSParser, ...(raw.Parsers?.TrafficParsers ?? [])].map((p) => (p?.Replay ? p.ReplayMAC : undefined)).filter((m): m is string => !!m),
  ].map((m) => m.toLowerCase());
  const localPrefixes = raw.Local?.Prefixes ?? [];
  const probe = new PrefixMatcher();
  localPrefixes.forEach((p, j) => wrap(source, `Local.Prefixes.${j}`, () => probe.add(p, 0)));
  return {
    services,
    catchAll,
    flowEvictSeconds: (raw.FlowCache?.EvictTime ?? 600 * NS) / NS,
    flowCleanupSeconds: (raw.FlowCache?.CleanupTime ?? 30 * NS) / NS,
    maxFlows: raw.FlowCache?.MaxFlows ?? 0,
    evictMinIdleSeconds: (raw.FlowCache?.EvictMinIdle ?? 0) / NS,
    dnsEvictSeconds: (raw.DNSCache?.EvictTime ?? 600 * NS) / NS,
    bins: [...new Set(raw.Bins ?? [10])].sort((a, b) => a - b),
    level: raw.Level ?? 'flow',
    localPrefixes,
    localMacs: [...new Set(macs)],
    featureOptions: raw.FeatureOptions ?? {},
    source,
  };
}

function wrap<T>(source: string, path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const msg = (e as Error).message;
    throw new ConfigError(msg.startsWith(path) ? `${source}: ${msg}` : `${source}: ${path}: ${msg}`, source, path);
  }
}

function valueAt(obj: unknown, path: (string | number)[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[k];
  }
  return cur;
}
