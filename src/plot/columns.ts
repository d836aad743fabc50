import type { Row } from './types';

/**
 * The column of `rows` that `name` designates: the exact name, else `name` followed by one
 * of `suffixes` (`state_bytes` -> `state_bytes_median`), else the one column ending with
 * `.name` (`KbpsDw` -> `PacketCounters.KbpsDw`), else the first column starting with `name_`.
 */
export function resolveColumn(rows: readonly Row[], name: string, suffixes: readonly string[] = []): string {
  const have: string[] = [];
  const seen = new Set<string>();
  for (const r of rows.slice(0, 50)) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); have.push(k); }
  if (seen.has(name)) return name;
  for (const s of suffixes) if (seen.has(`${name}_${s}`)) return `${name}_${s}`;
  const dotted = have.filter((k) => k.endsWith(`.${name}`));
  if (dotted.length === 1) return dotted[0];
  const prefixed = have.find((k) => k.startsWith(`${name}_`));
  if (prefixed) return prefixed;
  throw new Error(`no column for "${name}" (have: ${have.join(', ')})`);
}
