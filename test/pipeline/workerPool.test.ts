import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { takeWorkers, returnWorkers, closeWorkers } from '../../src/pipeline/workerPool';

test('worker pool: idle workers come back to runs of their own role only; a failed run\'s workers never come back', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'refinery-pool-'));
  // A worker that only waits (the pool never posts to it here).
  const script = join(dir, 'idle.js');
  writeFileSync(script, "require('node:worker_threads').parentPort.on('message', () => {});\n");
  try {
    const [follower] = takeWorkers(1, [], script, 'follow');
    await returnWorkers([follower], [], true, script, 'follow');
    const [other] = takeWorkers(1, [], script);
    assert.notEqual(other.threadId, follower.threadId, 'a run of another role gets a worker of its own');
    await returnWorkers([other], [], true, script);
    const [again] = takeWorkers(1, [], script, 'follow');
    assert.equal(again.threadId, follower.threadId, 'the idle follower is reused by the next follow run');
    const [same] = takeWorkers(1, [], script);
    assert.equal(same.threadId, other.threadId, 'and the other role\'s worker by its next run');
    await returnWorkers([same], [], true, script);
    // Unhealthy: ended (returnWorkers waits for it), not pooled.
    await returnWorkers([again], [], false, script, 'follow');
    const [fresh] = takeWorkers(1, [], script, 'follow');
    assert.notEqual(fresh.threadId, again.threadId, 'a worker given back unhealthy was ended, not pooled');
    await returnWorkers([fresh], [], true, script, 'follow');
  } finally {
    await closeWorkers();
    rmSync(dir, { recursive: true, force: true });
  }
});
