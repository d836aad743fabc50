/**
 * A progress bar on stderr when it is a terminal (cli-progress), silent otherwise, so
 * piped and CI output stays clean.
 */
export interface Progress {
  update(done: number, total: number, label?: string): void;
  stop(): void;
}

export function createProgress(title: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const cliProgress = require('cli-progress') as typeof import('cli-progress');
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${title} [{bar}] {percentage}% | {label}`,
    barCompleteChar: '=',
    barIncompleteChar: ' ',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let started = false;
  let last = 0;
  return {
    update(done, total, label = '') {
      const now = Date.now();
      if (!started) { bar.start(Math.max(1, total), 0, { label }); started = true; }
      if (now - last < 100 && done < total) return;
      last = now;
      bar.setTotal(Math.max(1, total));
      bar.update(Math.min(done, total), { label });
    },
    stop() { if (started) bar.stop(); },
  };
}
