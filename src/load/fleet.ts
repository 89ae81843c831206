/**
 * The closed `fleet` model: N devices, each on its own poll loop until the run stops. Pure plan: the
 * boot offset of every device, spread evenly over the boot window, and which devices a worker owns.
 */
import type { LoadModel } from './model.ts';

/** When device `index` (1-based, global) boots, in ms from the start of the run. */
export function fleetBootOffset(index: number, count: number, overMs: number): number {
  if (count <= 1 || overMs <= 0) return 0;
  return (overMs * (index - 1)) / count;
}

/** The 1-based device indexes of shard `shard` (1-based) of `shards`: a contiguous equal slice. */
export function shardRange(count: number, shard: number, shards: number): { first: number; last: number } {
  const first = Math.floor(((shard - 1) * count) / shards) + 1;
  const last = Math.floor((shard * count) / shards);
  return { first, last };
}

/** The device indexes within [first, last] that worker `worker` (0-based) of `workers` runs. */
export function workerDevices(first: number, last: number, worker: number, workers: number): number[] {
  const out: number[] = [];
  for (let i = first + worker; i <= last; i += workers) out.push(i);
  return out;
}

/** The `fleet` section of `load` (no settings). */
export interface FleetConfig {
  model: 'fleet';
}

/** The closed fleet: every device of the slice boots once (spread over the boot window) and loops until the run stops. */
export const fleetModel: LoadModel<FleetConfig> = {
  kind: 'closed',
  planDuration: (_config, fleet) => fleet.bootOverMs,
  async run(_config, fleet, slice, _clock, host) {
    for (const index of workerDevices(slice.first, slice.last, slice.worker, slice.workers)) {
      host.start(index, slice.t0 + fleetBootOffset(index, fleet.count, fleet.bootOverMs), 'loop');
    }
  },
};
