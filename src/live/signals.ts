/**
 * Graceful stop on SIGINT / SIGTERM: the first signal calls `onStop` (the run flushes and closes
 * its files); a second one exits at once with 128 + signal number, as a shell expects.
 * Returns a function that removes the handlers.
 */
export function onStopSignals(onStop: (signal: NodeJS.Signals) => void, opts: { forceOnSecond?: boolean; log?: (msg: string) => void } = {}): () => void {
  const force = opts.forceOnSecond ?? true;
  let seen = false;
  const handler = (signal: NodeJS.Signals) => {
    if (seen) {
      if (force) {
        opts.log?.(`${signal} again: exiting without flushing`);
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
      return;
    }
    seen = true;
    onStop(signal);
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  for (const s of signals) process.on(s, handler);
  return () => { for (const s of signals) process.off(s, handler); };
}
