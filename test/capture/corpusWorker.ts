/**
 * Worker for corpus.test: reads every file it is given, twice (async reader with defaults, sync
 * reader with 61-byte chunks), and posts one message before and one after each file, so the test
 * can kill it if a file hangs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { CaptureError } from '../../src/capture/errors';
import { openCapture, readCaptureSync } from '../../src/capture/reader';

export interface CorpusResult {
  file: string;
  records: number;
  sumCapLen: number;
  syncRecords: number;
  syncSumCapLen: number;
  linkTypes: Record<number, number>;
  error: null | { captureError: boolean; text: string; reason?: string; offset?: number };
  syncError: null | { captureError: boolean; text: string };
  ms: number;
}

const describe = (e: unknown) => ({ captureError: e instanceof CaptureError, text: String(e), reason: (e as CaptureError).reason, offset: (e as CaptureError).offset });

async function main(): Promise<void> {
  const { dir, files } = workerData as { dir: string; files: string[] };
  for (const file of files) {
    parentPort!.postMessage({ start: file });
    const t0 = performance.now();
    const path = join(dir, file);
    const r: CorpusResult = { file, records: 0, sumCapLen: 0, syncRecords: 0, syncSumCapLen: 0, linkTypes: {}, error: null, syncError: null, ms: 0 };
    const reader = openCapture(path);
    try {
      for await (const b of reader) {
        r.records += b.count;
        for (let i = 0; i < b.count; i++) r.sumCapLen += b.caplen[i];
      }
    } catch (e) {
      r.error = describe(e);
    }
    r.linkTypes = reader.stats.linkTypes;
    try {
      readCaptureSync(path, (b) => {
        r.syncRecords += b.count;
        for (let i = 0; i < b.count; i++) r.syncSumCapLen += b.caplen[i];
      }, { chunkSize: 61, batchSize: 7 });
    } catch (e) {
      r.syncError = describe(e);
    }
    r.ms = performance.now() - t0;
    parentPort!.postMessage({ result: r });
  }
}

main().catch((e) => parentPort!.postMessage({ crash: String(e && (e as Error).stack) }));
