import { columnTable, resolveCollect } from '../features/registry';

/** The default representations of the paper's case study (any `+` union or class list works too). */
export const DEFAULT_REPRESENTATIONS = ['network', 'transport', 'application', 'network+application', 'all'] as const;
export const DEFAULT_SWEEP_BINS = [2, 4, 10, 30, 60] as const;

/** Feature classes of a representation (`network+application`, a class name, a preset). */
export function representationClasses(rep: string): string[] {
  return resolveCollect([rep], `representation "${rep}"`);
}

/**
 * The output columns a representation needs, in class then declaration order. Session-level
 * rows have every configured class's columns; a representation picks its own.
 */
export function representationColumns(rep: string, available?: readonly string[]): string[] {
  const cols = columnTable(representationClasses(rep)).map((c) => c.column);
  if (!available) return cols;
  const have = new Set(available);
  return cols.filter((c) => have.has(c));
}
