import { titleOf, type Figure } from './types';

function axisTitle(a: Record<string, unknown> | undefined): string {
  const t = a?.title as { text?: string } | string | undefined;
  const text = typeof t === 'string' ? t : t?.text ?? '';
  return `${text || '?'}${a?.type === 'log' ? ' [log]' : ''}`;
}

/** A short text description of a figure (for terminals and logs). */
export function figureSummary(fig: Figure): string {
  const lines = [`Figure: ${titleOf(fig) || '(untitled)'}`];
  if (fig.layout.xaxis || fig.layout.yaxis) lines.push(`  x: ${axisTitle(fig.layout.xaxis)}; y: ${axisTitle(fig.layout.yaxis)}`);
  for (const t of fig.data) {
    const n = Array.isArray(t.z) ? `${t.z.length}x${(t.z[0] as unknown[] | undefined)?.length ?? 0} cells` : `${(t.x ?? t.y ?? []).length} points`;
    lines.push(`  - ${t.type ?? 'scatter'}${t.name ? ` "${t.name}"` : ''}: ${n}`);
  }
  return lines.join('\n');
}
