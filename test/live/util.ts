import { spawn, spawnSync, ChildProcess } from 'node:child_process';
import { createSocket, Socket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { nativeAvailable } from '../../src/capture/live';
import { tempDir } from '../helpers';

/** Why live tests cannot run here (not root, addon missing), or null. */
export function liveSkipReason(): string | null {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'live capture needs root (CAP_NET_RAW)';
  if (!nativeAvailable()) return 'native libpcap addon not built (node scripts/build-native.js)';
  return null;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Waits until `cond()` holds (polling), or throws after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, what: string, timeoutMs = 10000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timeout waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function tmp(prefix: string): string {
  return tempDir(`refinery-${prefix}-`);
}

/** Repository root (dist/test/live -> ../../..). */
export const ROOT = resolve(__dirname, '..', '..', '..');

/** A UDP socket bound on `host`, counting what it receives (optionally answering with `reply`). */
export async function udpServer(host = '127.0.0.1', port = 0, reply?: (msg: Buffer) => Buffer | null): Promise<{ sock: Socket; port: number; received: () => number; close: () => Promise<void> }> {
  const sock = createSocket('udp4');
  let n = 0;
  sock.on('message', (msg, rinfo) => {
    n++;
    const r = reply?.(msg);
    if (r) sock.send(r, rinfo.port, rinfo.address);
  });
  await new Promise<void>((res, rej) => { sock.once('error', rej); sock.bind(port, host, () => { sock.off('error', rej); res(); }); });
  return { sock, port: sock.address().port, received: () => n, close: () => new Promise<void>((r) => sock.close(() => r())) };
}

/** Sends datagrams of the given payload sizes, in chunks, waiting for each send to complete. */
export async function sendUdp(sizes: number[], port: number, host = '127.0.0.1', from?: Socket): Promise<{ localPort: number }> {
  const sock = from ?? createSocket('udp4');
  if (!from) await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  for (let i = 0; i < sizes.length; i += 50) {
    await Promise.all(sizes.slice(i, i + 50).map((s) => new Promise<void>((res, rej) => sock.send(Buffer.alloc(s, 0x61), port, host, (e) => (e ? rej(e) : res())))));
    await sleep(2);
  }
  await settle(sock);
  const localPort = sock.address().port;
  if (!from) await new Promise<void>((r) => sock.close(() => r()));
  return { localPort };
}

/**
 * Returns once what `sock` sent has gone through the receive path (and so through the packet
 * taps): a marker datagram, sent after the data to another port, came back to a listener.
 * The receiving socket itself may drop datagrams when its buffer is full; the taps never miss them.
 */
export async function settle(sock: Socket): Promise<void> {
  const marker = await udpServer('127.0.0.1');
  try {
    for (let i = 0; i < 400 && marker.received() === 0; i++) {
      sock.send(Buffer.alloc(1), marker.port, '127.0.0.1');
      await sleep(25);
    }
  } finally {
    await marker.close();
  }
}

/** Rows of every JSON lines file in `dir` whose name starts with `bins-`. */
export function readJsonlBins(dir: string): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('bins-') && n.endsWith('.jsonl')).sort()) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) if (line.trim()) rows.push(JSON.parse(line));
  }
  return rows;
}

export interface FlowTotals { out: number; in: number; outBytes: number; inBytes: number; rows: number; service: string; categorizedBy: string }

/** Sums PacketCounters per flow, keyed `proto:portA-portB` (ports sorted, direction-free). */
export function flowTotals(rows: Record<string, unknown>[]): Map<string, FlowTotals> {
  const m = new Map<string, FlowTotals>();
  for (const r of rows) {
    const ports = [Number(r.local_port), Number(r.remote_port)].sort((a, b) => a - b);
    const key = `${r.protocol}:${ports[0]}-${ports[1]}`;
    const t = m.get(key) ?? { out: 0, in: 0, outBytes: 0, inBytes: 0, rows: 0, service: String(r.service), categorizedBy: String(r.categorized_by) };
    t.out += Number(r['PacketCounters.OutPackets']);
    t.in += Number(r['PacketCounters.InPackets']);
    t.outBytes += Number(r['PacketCounters.OutBytes']);
    t.inBytes += Number(r['PacketCounters.InBytes']);
    t.rows++;
    m.set(key, t);
  }
  return m;
}

/** Waits until `child` wrote `pattern` on stderr (or exits / times out). */
export function waitForStderr(child: ChildProcess, pattern: RegExp, timeoutMs = 10000): Promise<string> {
  return new Promise((res, rej) => {
    let text = '';
    const timer = setTimeout(() => rej(new Error(`timeout waiting for ${pattern}; stderr: ${text}`)), timeoutMs);
    const onData = (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) { clearTimeout(timer); child.stderr!.off('data', onData); res(text); }
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`exited (${code}) before ${pattern}; stderr: ${text}`)); });
  });
}

export function exitOf(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) { res({ code: child.exitCode, signal: child.signalCode as NodeJS.Signals | null }); return; }
    child.once('exit', (code, signal) => res({ code, signal }));
  });
}

/** Starts tcpdump writing `file` (packet-buffered), resolved once it listens. */
export async function startTcpdump(iface: string, filter: string, file: string): Promise<{ stop: () => Promise<string> }> {
  const child = spawn('tcpdump', ['-i', iface, '--immediate-mode', '-U', '-n', '-s', '0', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d.toString(); });
  await waitForStderr(child, /listening on/);
  return {
    stop: async () => {
      child.kill('SIGINT');
      await exitOf(child);
      return err;
    },
  };
}
