import { registerFeature, definePreset } from './registry';
import { PacketCounters } from './builtin/packetCounters';
import { PacketTimes } from './builtin/packetTimes';
import { TCPCounters } from './builtin/tcpCounters';
import { LatencyCounters } from './builtin/latencyCounters';
import { VideoSegments } from './builtin/videoSegments';
import { SessionCounters } from './builtin/sessionCounters';

export * from './api';
export * from './registry';
export { UnitState } from './unitState';
export { runningAdd, runningCollect, runningReset, RUNNING_SLOTS } from './stats';
export { TcpTracker, SeqRing, seqDiff } from './builtin/tcpTrack';
export type { VideoSegmentRecord } from './builtin/videoSegments';
export { PacketCounters, PacketTimes, TCPCounters, LatencyCounters, VideoSegments, SessionCounters };

// Built-ins register through the same call a user's class uses.
registerFeature(PacketCounters);
registerFeature(PacketTimes);
registerFeature(TCPCounters, { aliases: ['TCPState'] });
registerFeature(LatencyCounters);
registerFeature(VideoSegments, { aliases: ['VideoCounters'] });
registerFeature(SessionCounters);
definePreset('network', ['PacketCounters', 'PacketTimes']);
definePreset('transport', ['TCPCounters', 'LatencyCounters']);
definePreset('application', ['VideoSegments']);
definePreset('all', ['network', 'transport', 'application', 'SessionCounters']);

/** Names of the classes that ship with the library (worker threads have them without help). */
export const BUILTIN_FEATURES: ReadonlySet<string> = new Set(
  [PacketCounters, PacketTimes, TCPCounters, LatencyCounters, VideoSegments, SessionCounters].map((d) => d.featureName));
