/**
 * Access-network model for one generated session: a downstream capacity trace from a Markov chain
 * over throughput levels (with multiplicative noise and, for cellular, short outages), a base RTT,
 * random loss and a bottleneck queue size.
 */
import { Rng } from './rng';

export type AccessKind = 'fiber' | 'cable' | 'dsl' | 'wifi' | 'cellular';

interface AccessProfile {
  weight: number;
  /** Median throughput range (Mbps), drawn log-uniformly per session. */
  medianMbps: [number, number];
  /** Probability per second of leaving the current level. */
  volatility: [number, number];
  /** Standard deviation of a new level around the session median, in levels (x1.5 each). */
  spread: number;
  /** Log-space sd of the 100 ms noise. */
  noise: number;
  rttMs: [number, number];
  loss: [number, number];
  /** Bottleneck queue, seconds of traffic. */
  queueS: [number, number];
  /** Router to device delay (ms). */
  lanMs: [number, number];
  /** Outages per second (deep fades, handovers). */
  outageRate: number;
}

export const ACCESS_PROFILES: Record<AccessKind, AccessProfile> = {
  fiber: { weight: 0.12, medianMbps: [30, 150], volatility: [0.005, 0.02], spread: 0.8, noise: 0.05, rttMs: [5, 20], loss: [0, 0.0005], queueS: [0.03, 0.08], lanMs: [0.2, 0.6], outageRate: 0 },
  cable: { weight: 0.23, medianMbps: [6, 60], volatility: [0.01, 0.05], spread: 1.2, noise: 0.1, rttMs: [10, 35], loss: [0, 0.002], queueS: [0.08, 0.4], lanMs: [0.2, 0.8], outageRate: 0 },
  dsl: { weight: 0.15, medianMbps: [1.5, 15], volatility: [0.005, 0.03], spread: 0.8, noise: 0.06, rttMs: [15, 45], loss: [0, 0.003], queueS: [0.1, 0.3], lanMs: [0.2, 0.8], outageRate: 0 },
  wifi: { weight: 0.28, medianMbps: [1.5, 40], volatility: [0.03, 0.12], spread: 1.8, noise: 0.25, rttMs: [10, 50], loss: [0.0005, 0.008], queueS: [0.05, 0.25], lanMs: [1, 4], outageRate: 1 / 300 },
  cellular: { weight: 0.22, medianMbps: [0.5, 15], volatility: [0.06, 0.2], spread: 2.2, noise: 0.3, rttMs: [40, 150], loss: [0.002, 0.015], queueS: [0.2, 0.8], lanMs: [5, 15], outageRate: 1 / 90 },
};

export interface NetworkPath {
  kind: AccessKind;
  /** Capacity in bits per second for each 100 ms slot. */
  capacity: Float64Array;
  medianMbps: number;
  meanMbps: number;
  /** Base RTT to a nearby CDN server, seconds. */
  rtt: number;
  loss: number;
  queueDelay: number;
  lan: number;
  outages: number;
}

const LEVEL0 = 0.25e6;
const RATIO = 1.5;
const NLEVELS = 18; // 0.25 Mbps .. ~246 Mbps

export function makeNetwork(rng: Rng, seconds: number, kind?: AccessKind): NetworkPath {
  const k: AccessKind = kind ?? rng.weighted((Object.keys(ACCESS_PROFILES) as AccessKind[]).map((x) => [x, ACCESS_PROFILES[x].weight] as const));
  const p = ACCESS_PROFILES[k];
  const logU = (lo: number, hi: number): number => Math.exp(rng.uniform(Math.log(lo), Math.log(hi)));
  const median = logU(p.medianMbps[0], p.medianMbps[1]) * 1e6;
  const center = Math.log(median / LEVEL0) / Math.log(RATIO);
  const volatility = rng.uniform(p.volatility[0], p.volatility[1]);
  const slots = Math.ceil(seconds * 10) + 10;
  const capacity = new Float64Array(slots);
  let level = clampLevel(Math.round(center + rng.normal(0, p.spread / 2)));
  let outageLeft = 0;
  let outageRate = 0;
  let outages = 0;
  let sum = 0;
  for (let s = 0; s < slots; s++) {
    if (s % 10 === 0) {
      if (rng.next() < volatility) level = clampLevel(Math.round(center + rng.normal(0, p.spread)));
      if (outageLeft <= 0 && p.outageRate > 0 && rng.next() < p.outageRate) {
        outageLeft = rng.int(20, 100); // 2..10 s
        outageRate = rng.uniform(0.03e6, 0.3e6);
        outages++;
      }
    }
    let c = LEVEL0 * Math.pow(RATIO, level) * Math.exp(rng.normal(0, p.noise) - (p.noise * p.noise) / 2);
    if (outageLeft > 0) { c = outageRate; outageLeft--; }
    capacity[s] = Math.max(0.02e6, c);
    sum += capacity[s];
  }
  return {
    kind: k,
    capacity,
    medianMbps: median / 1e6,
    meanMbps: sum / slots / 1e6,
    rtt: rng.uniform(p.rttMs[0], p.rttMs[1]) / 1000,
    loss: rng.uniform(p.loss[0], p.loss[1]),
    queueDelay: rng.uniform(p.queueS[0], p.queueS[1]),
    lan: rng.uniform(p.lanMs[0], p.lanMs[1]) / 1000,
    outages,
  };
}

function clampLevel(l: number): number { return Math.max(0, Math.min(NLEVELS - 1, l)); }
