#!/usr/bin/env node
import { UsageError } from './args';
import { CaptureError } from '../capture/errors';
import { ConfigError } from '../config/config';
import { extractCommand, extractHelp } from './extract';
import { profileCommand, profileHelp, profileSummary } from './profile';
import { liveCommand, liveHelp } from './live';
import { trainCommand, trainHelp, sweepCommand, sweepHelp, reportCommand, reportHelp, inferCommand, inferHelp, datasetCommand, datasetHelp } from './model';

const USER_ERRORS = new Set(['OutputFormatError', 'ModelError', 'CsvError', 'RequetFormatError', 'NativeUnavailableError', 'LiveCaptureError', 'ConfigError', 'CaptureError']);

type Command = { run: (argv: string[]) => Promise<number>; help: string; summary: string };

/** Sub-commands; each is a thin layer over a library call. */
export const commands: Record<string, Command> = {
  extract: { run: extractCommand, help: extractHelp, summary: 'captures -> per-flow / per-session feature bins (CSV, JSON lines, Parquet)' },
  profile: { run: profileCommand, help: profileHelp, summary: profileSummary },
  dataset: { run: datasetCommand, help: datasetHelp, summary: 'generate labeled video sessions, or import Requet ones' },
  train: { run: trainCommand, help: trainHelp, summary: 'train and save the QoE forests for one representation and bin size' },
  sweep: { run: sweepCommand, help: sweepHelp, summary: 'accuracy vs cost for every representation x bin size' },
  report: { run: reportCommand, help: reportHelp, summary: 'the main job: sweep + profile -> report/index.html' },
  infer: { run: inferCommand, help: inferHelp, summary: 'predict resolution and startup delay on replayed captures' },
  live: { run: liveCommand, help: liveHelp, summary: 'collect features on a live interface into rotating files (libpcap addon)' },
};

export function registerCommand(name: string, cmd: Command): void {
  commands[name] = cmd;
}

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((k) => k.length));
  return ['usage: refinery <command> [options]   (refinery <command> --help for details)', '',
    ...Object.entries(commands).map(([k, c]) => `  ${k.padEnd(width)}  ${c.summary}`)].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') { console.log(usage()); return name ? 0 : 1; }
  const cmd = commands[name];
  if (!cmd) { console.error(`refinery: unknown command "${name}"\n\n${usage()}`); return 1; }
  try {
    return await cmd.run(rest);
  } catch (e) {
    if (e instanceof UsageError) { console.error(`refinery ${name}: ${e.message}\n\n${cmd.help}`); return 1; }
    // Problems with the user's inputs are said plainly, without a stack trace.
    if (e instanceof ConfigError || e instanceof CaptureError || USER_ERRORS.has((e as Error)?.name)) { console.error(`refinery ${name}: ${(e as Error).message}`); return 2; }
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === 'ENOENT' || err.code === 'EACCES' || err.code === 'EISDIR')) { console.error(`refinery ${name}: ${err.message}`); return 2; }
    console.error(`refinery ${name}: ${err?.stack ?? String(e)}`);
    return 3;
  }
}

if (require.main === module) {
  // Optional commands live in their own modules; load those that exist.
  for (const mod of ['./more']) {
    try { require(mod); } catch (e) { if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e; }
  }
  // A reader that stops early (`refinery extract x.pcap | head`) closes the pipe: end quietly, as Unix tools do.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
}
