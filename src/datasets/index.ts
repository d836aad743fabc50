export * from './labels';
export * from './generator';
export * from './services';
export * from './network';
export * from './rng';
export * from './pcapScan';
export * from './dns';
export { simulateSession, perSecondLabels } from './session';
export type { SessionSpec, SessionMeta, SessionOutput } from './session';
