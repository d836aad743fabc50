import { DEFAULT_REPRESENTATIONS as MODEL_REPRESENTATIONS } from '../model/representation';
import type { RefineryConfig } from '../config/config';
import { getFeature, resolveCollect } from '../features/registry';

/** Representations profiled by default (those whose classes are registered). `config` = the config's own sets. */
/** The config's own sets, then the case study's representations (model/representation.ts). */
export const DEFAULT_REPRESENTATIONS: readonly string[] = ['config', ...MODEL_REPRESENTATIONS];

/** One profiling run: a class alone, or a representation (several classes together). */
export interface RunPlan {
  /** The class name, or the representation's name (`config`, `network+application`, ...). */
  name: string;
  kind: 'class' | 'representation';
  /** The class's layer, or `representation`. */
  layer: string;
  classes: string[];
  /** Config the run uses, and the class restriction passed to the pipeline. */
  config: RefineryConfig;
  onlyClasses?: string[];
}

/** The classes a config collects, over all services, in order of first appearance. */
export function configuredClasses(config: RefineryConfig): string[] {
  const out: string[] = [];
  for (const s of config.services) for (const c of s.collect) if (!out.includes(c)) out.push(c);
  return out;
}

/** The config with every service collecting exactly `classes` (service matching unchanged). */
export function withCollect(config: RefineryConfig, classes: string[]): RefineryConfig {
  return { ...config, services: config.services.map((s) => ({ ...s, collect: [...classes] })) };
}

/**
 * The runs of a profile.
 *
 * Classes (default: the configured ones plus those of the representations) each run
 * alone over the same packets. A configured class runs with the config as it is,
 * restricted to that class (`onlyClasses`), so it sees the services that collect it;
 * a class the config does not collect runs on every service.
 *
 * Representations: `config` is the config's sets as they are; any other name is a
 * `Collect` entry (a preset, a class, or a `+` union) collected by every service.
 * Representations whose classes are not all registered are skipped (with a note).
 */
export function planRuns(config: RefineryConfig, classes?: readonly string[], representations: readonly string[] = DEFAULT_REPRESENTATIONS): { runs: RunPlan[]; notes: string[] } {
  const notes: string[] = [];
  const configured = configuredClasses(config);
  const reps: RunPlan[] = [];
  for (const name of representations) {
    if (name === 'config') {
      reps.push({ name, kind: 'representation', layer: 'representation', classes: configured, config });
      continue;
    }
    let members: string[];
    try {
      members = resolveCollect([name], `representation ${name}`);
    } catch (e) {
      notes.push(`representation ${name} skipped: ${(e as Error).message}`);
      continue;
    }
    reps.push({ name, kind: 'representation', layer: 'representation', classes: members, config: withCollect(config, members) });
  }
  let names: string[];
  if (classes) {
    names = [];
    for (const c of classes) {
      const def = getFeature(c);
      if (!def) throw new Error(`profile: unknown feature class "${c}"`);
      if (!names.includes(def.featureName)) names.push(def.featureName);
    }
  } else {
    names = [...configured];
    for (const r of reps) for (const c of r.classes) if (!names.includes(c)) names.push(c);
  }
  const runs: RunPlan[] = names.map((name) => {
    const def = getFeature(name)!;
    return configured.includes(name)
      ? { name, kind: 'class' as const, layer: def.layer, classes: [name], config, onlyClasses: [name] }
      : { name, kind: 'class' as const, layer: def.layer, classes: [name], config: withCollect(config, [name]) };
  });
  return { runs: [...runs, ...reps], notes };
}

/** Number of output columns of a set of classes. */
export function featureCount(classes: readonly string[]): number {
  return classes.reduce((n, c) => n + (getFeature(c)?.columns.length ?? 0), 0);
}
