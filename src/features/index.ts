import { registerFeature, definePreset } from './registry';
import { PacketCounters } from './builtin/packetCounters';
import { PacketTimes } from './builtin/packetTimes';

export * from './api';
export * from './registry';
export { UnitState } from './unitState';
export { runningAdd, runningCollect, runningReset, RUNNING_SLOTS } from './stats';
export { PacketCounters, PacketTimes };

// Built-ins register through the same call a user's class uses.
registerFeature(PacketCounters);
registerFeature(PacketTimes);
definePreset('network', ['PacketCounters', 'PacketTimes']);
definePreset('all', ['network']);
