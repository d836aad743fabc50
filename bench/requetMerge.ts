import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { execFileSync } from 'node:child_process';
import { BenchSetupError } from './util';

/** The shared data folder next to the repo, or null. */
export function sharedDataDir(): string | null {
  for (const c of [join(__dirname, '..', '..', '..', 'shared', 'data'), join(process.cwd(), '..', 'shared', 'data')]) if (existsSync(c)) return c;
  return null;
}

/**
 * The 17+2 Requet sessions merged into one pcap (`mergecap -F pcap -a`), made once in the
 * temp folder. Throws with what to install when mergecap or the data is missing.
 */
export function requetMerged(): string {
  const out = join(tmpdir(), 'requet-merged.pcap');
  if (existsSync(out) && statSync(out).size > 1e6) return out;
  const data = sharedDataDir();
  if (!data) throw new BenchSetupError('../shared/data is absent: the Requet captures are needed for this benchmark');
  const dir = join(data, 'requet');
  const files = [...readdirSync(dir).filter((f) => f.endsWith('.pcap')).map((f) => join(dir, f)),
    ...readdirSync(join(dir, 'unlabeled')).filter((f) => f.endsWith('.pcap')).map((f) => join(dir, 'unlabeled', f))];
  try {
    execFileSync('mergecap', ['-F', 'pcap', '-a', '-w', out, ...files]);
  } catch (e) {
    throw new BenchSetupError(`mergecap failed (apt-get install wireshark-common): ${(e as Error).message}`);
  }
  return out;
}
