import { dirname, join } from 'node:path';
import { figureDiv, newFigureId, plotlyScriptTag, type FigureDivOptions } from './html';
import { figureSummary } from './summary';
import type { Figure } from './types';

interface TslabDisplay { html(s: string): void }

/** Whether plotly.js was already sent to this kernel's front end. */
let plotlySent = false;

/**
 * tslab's display API when this process is a tslab kernel executing a cell, else null.
 * tslab's jupyter module sets `lastWriteDisplayData` when the kernel runs a cell; outside a
 * kernel it is never loaded (and its `display.html` would throw "Not ready"). The module is
 * looked up in the require cache rather than required, so plain node never pays for loading
 * tslab and its TypeScript; any tslab copy the kernel runs from (local or global) is found.
 */
function tslabDisplay(): TslabDisplay | null {
  for (const [path, mod] of Object.entries(require.cache)) {
    if (!mod || !/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(path)) continue;
    if ((mod.exports as { lastWriteDisplayData?: unknown }).lastWriteDisplayData == null) continue;
    try {
      return (require(join(dirname(path), 'public.js')) as { display: TslabDisplay }).display;
    } catch {
      return null;
    }
  }
  return null;
}

/** True inside a running tslab (Jupyter) kernel. */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

/** Makes the next `show()` send plotly.js again (e.g. after clearing all outputs). */
export function resetPlotly(): void {
  plotlySent = false;
}

/**
 * Draws a figure: in a tslab notebook as an interactive chart (plotly.js inlined once per
 * kernel session, offline); elsewhere prints a short text summary (`figureSummary`).
 * Returns nothing, so that a cell ending in `show(...)` displays only the chart.
 */
export function show(fig: Figure, opts: FigureDivOptions = {}): void {
  const display = tslabDisplay();
  if (!display) {
    console.log(figureSummary(fig));
    return;
  }
  const script = plotlySent ? '' : plotlyScriptTag();
  display.html(`${script}${figureDiv(fig, newFigureId(), opts)}`);
  plotlySent = true;
}
