import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Typed arrays of one batch slot, shared with native code (PacketBatch columns). */
export interface NativeSlot {
  buf: Uint8Array;
  offset: Uint32Array;
  caplen: Uint32Array;
  wirelen: Uint32Array;
  tsSec: Float64Array;
  tsNsec: Uint32Array;
}

export interface NativeLiveOptions {
  iface: string;
  snaplen?: number;
  promisc?: boolean;
  bufferSize?: number;
  timeoutMs?: number;
  immediate?: boolean;
  filter?: string;
}

export interface NativeLiveStats {
  received: number;
  dropped: number;
  ifDropped: number;
  captured: number;
  capturedBytes: number;
  batches: number;
  discarded: number;
  error: string | null;
}

export interface NativeLiveCapture {
  readonly linkType: number;
  readonly snaplen: number;
  readonly nanosecond: boolean;
  readonly warning: string | null;
  start(): void;
  /** count * 16 + slot of a ready batch; -1: wait for onReady; -2: ended. Gives back the previous slot. */
  next(): number;
  stop(): void;
  close(): void;
  stats(): NativeLiveStats;
}

export interface NativeFileCapture {
  readonly linkType: number;
  readonly snaplen: number;
  error?: string;
  read(): number;
  close(): void;
}

export interface NativeBinding {
  LiveCapture: new (options: NativeLiveOptions, slots: NativeSlot[], onReady: () => void) => NativeLiveCapture;
  FileCapture: new (path: string, slot: NativeSlot) => NativeFileCapture;
  libVersion: string;
}

/** The native capture addon is not there (not built, or built without libpcap). */
export class NativeUnavailableError extends Error {
  override readonly name = 'NativeUnavailableError';
  readonly code = 'ENATIVE';
}

/** What to do when the addon is missing, in one paragraph. */
export const NATIVE_INSTALL_HINT =
  'Live capture needs the native libpcap addon, which is not built. Install a compiler and the libpcap headers ' +
  '(apt-get install libpcap-dev g++ make), then rebuild it: `npm rebuild traffic-refinery` ' +
  '(or `node scripts/build-native.js` in the package folder). Reading capture files does not need it.';

let cached: { binding?: NativeBinding; error?: NativeUnavailableError; path?: string } | undefined;

/** Where the addon is looked for: $REFINERY_NATIVE_PATH, else native/build/{Release,Debug}/refinery_pcap.node. */
export function nativeCandidates(): string[] {
  const env = process.env.REFINERY_NATIVE_PATH;
  if (env) return [resolve(env)];
  // dist/src/capture -> package root (also src/capture when run from sources).
  const roots = [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')];
  const out: string[] = [];
  for (const r of roots) for (const t of ['Release', 'Debug']) out.push(join(r, 'native', 'build', t, 'refinery_pcap.node'));
  return out;
}

/** Loads the addon once; throws {@link NativeUnavailableError} (with the install hint) when it cannot be loaded. */
export function loadNative(): NativeBinding {
  if (!cached) cached = tryLoad();
  if (cached.binding) return cached.binding;
  throw cached.error!;
}

/** True when the addon loads. */
export function nativeAvailable(): boolean {
  try { loadNative(); return true; } catch { return false; }
}

/** Path of the loaded addon (undefined when missing). */
export function nativePath(): string | undefined {
  if (!cached) cached = tryLoad();
  return cached.path;
}

/** Forgets the loaded state (tests switch REFINERY_NATIVE_PATH). */
export function resetNativeCache(): void {
  cached = undefined;
}

function tryLoad(): { binding?: NativeBinding; error?: NativeUnavailableError; path?: string } {
  const candidates = nativeCandidates();
  let why = `not found (looked at ${candidates.join(', ')})`;
  for (const p of candidates) {
    if (!existsSync(p)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const binding = require(p) as NativeBinding;
      return { binding, path: p };
    } catch (e) {
      why = `${p} does not load: ${(e as Error).message.split('\n')[0]}`;
    }
  }
  return { error: new NativeUnavailableError(`${NATIVE_INSTALL_HINT} (addon ${why})`) };
}
