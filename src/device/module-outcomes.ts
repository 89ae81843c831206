/**
 * Device-level upgrade outcome: a device is upgraded when every module it was given a task for ended
 * upgraded. Kept as a running count in `devices_fully_upgraded` (+1 when a device gets there, −1 if a
 * new task for it arrives later), so the run's total is the devices upgraded at its end, each once.
 */
import type { Recorder } from '../metrics/recorder.ts';

/** Where each module of one device stands: its last task live, or how it ended. */
export interface ModuleOutcomes {
  byModule: Map<number, 'live' | 'upgraded' | 'failed' | 'cancelled'>;
  counted: boolean;
}

/** What a device keeps: its module outcomes, created with its first task. */
export interface HasModuleOutcomes {
  modules?: ModuleOutcomes;
}

function outcomesOf(holder: HasModuleOutcomes): ModuleOutcomes {
  holder.modules ??= { byModule: new Map(), counted: false };
  return holder.modules;
}

/** A new task of `module` reached the device: the device is not fully upgraded until it ends. */
export function noteTaskSeen(holder: HasModuleOutcomes, module: number, recorder: Recorder): void {
  const o = outcomesOf(holder);
  o.byModule.set(module, 'live');
  if (o.counted) {
    o.counted = false;
    recorder.count('devices_fully_upgraded', -1);
  }
}

/** A task of `module` ended; counts the device once all its modules are upgraded. */
export function noteTaskEnded(
  holder: HasModuleOutcomes,
  module: number,
  outcome: 'upgraded' | 'failed' | 'cancelled',
  recorder: Recorder,
): void {
  const o = outcomesOf(holder);
  o.byModule.set(module, outcome);
  if (o.counted) return;
  for (const v of o.byModule.values()) if (v !== 'upgraded') return;
  o.counted = true;
  recorder.count('devices_fully_upgraded', 1);
}
