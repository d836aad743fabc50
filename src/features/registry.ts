import type { FeatureDefinition, Layer } from './api';

/**
 * The registry of feature classes by name. Built-in classes register themselves here
 * exactly as a user's class does (`registerFeature(MyClass)`), and config `Collect`
 * lists, presets and the column table all read from it.
 */
const classes = new Map<string, FeatureDefinition>();
const aliases = new Map<string, string>();
const presets = new Map<string, string[]>();

export function registerFeature(def: FeatureDefinition, opts: { aliases?: string[]; replace?: boolean } = {}): void {
  const name = def.featureName;
  if (!name || /[.+,\s]/.test(name)) throw new Error(`feature class name "${name}" must be non-empty without '.', '+', ',' or spaces`);
  if (!Array.isArray(def.columns) || def.columns.length === 0) throw new Error(`feature class ${name} declares no columns`);
  const seen = new Set<string>();
  for (const c of def.columns) {
    if (seen.has(c.name)) throw new Error(`feature class ${name} declares column "${c.name}" twice`);
    seen.add(c.name);
  }
  if (classes.has(name) && !opts.replace && classes.get(name) !== def) {
    throw new Error(`a feature class named "${name}" is already registered (pass { replace: true } to replace it)`);
  }
  classes.set(name, def);
  for (const a of opts.aliases ?? []) aliases.set(a, name);
}

export function unregisterFeature(name: string): void {
  classes.delete(name);
}

/** The class registered under `name` (or one of its aliases, e.g. the original's `VideoCounters`). */
export function getFeature(name: string): FeatureDefinition | undefined {
  return classes.get(name) ?? classes.get(aliases.get(name) ?? '');
}

export function listFeatures(): FeatureDefinition[] {
  return [...classes.values()];
}

/** Defines (or redefines) a named representation preset: a list of class names or other presets. */
export function definePreset(name: string, members: string[]): void {
  presets.set(name, members);
}

export function listPresets(): Record<string, string[]> {
  return Object.fromEntries([...presets].map(([k, v]) => [k, resolveCollect([k])]));
}

/**
 * Resolves a `Collect` list into class names: each entry is a class name, an alias, a
 * preset (`network`, `transport`, `application`, `all`) or a union of those joined by `+`.
 * Order follows first appearance; duplicates are dropped. Throws naming the unknown entry.
 */
export function resolveCollect(entries: readonly string[], path = 'Collect'): string[] {
  const out: string[] = [];
  const visit = (entry: string, where: string, depth: number): void => {
    if (depth > 8) throw new Error(`${where}: preset "${entry}" refers to itself`);
    for (const part of entry.split('+').map((s) => s.trim()).filter(Boolean)) {
      const preset = presets.get(part);
      if (preset) { preset.forEach((m) => visit(m, where, depth + 1)); continue; }
      const def = getFeature(part);
      if (!def) {
        const known = [...classes.keys(), ...aliases.keys(), ...presets.keys()].sort().join(', ');
        throw new Error(`${where}: unknown feature class or preset "${part}" (known: ${known})`);
      }
      if (!out.includes(def.featureName)) out.push(def.featureName);
    }
  };
  entries.forEach((e, i) => visit(e, `${path}[${i}]`, 0));
  return out;
}

/** One row per output column of the given classes (all registered ones by default). */
export interface ColumnInfo {
  column: string;
  feature_class: string;
  layer: Layer;
  field: string;
  unit: string;
  description: string;
}

export function columnTable(classNames?: readonly string[]): ColumnInfo[] {
  const defs = classNames ? classNames.map((n) => getFeature(n)).filter((d): d is FeatureDefinition => !!d) : listFeatures();
  return defs.flatMap((d) => d.columns.map((c) => ({
    column: `${d.featureName}.${c.name}`, feature_class: d.featureName, layer: d.layer, field: c.name, unit: c.unit, description: c.description,
  })));
}
