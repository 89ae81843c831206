/**
 * The closed `ramping-fleet` model (k6 ramping-vus): a fleet whose number of running devices follows
 * stages, each ramping linearly from the previous target (0 at the start) to its own over its
 * duration; after the last stage the fleet holds that target until the run stops.
 *
 * Which devices: at any moment the running devices are the first N of the fleet by index (N = the
 * target, rounded down), so a ramp-up starts devices in index order and a ramp-down stops the most
 * recently started (highest index) first; each worker and shard runs its own devices of that prefix.
 * A stopped device finishes the request it has in flight (bounded by its requestTimeout, like k6's
 * gracefulRampDown) and sends no other; if the ramp comes back up it boots again as the same device.
 */
import { workerDevices } from './fleet.ts';
import type { DeviceHandle, LoadModel } from './model.ts';

/** One stage: ramp linearly to `target` devices (the whole fleet's) over `duration` ms (0: a jump). */
export interface Stage {
  duration: number;
  target: number;
}

/** The `ramping-fleet` section of `load`. */
export interface RampingFleetConfig {
  model: 'ramping-fleet';
  stages: readonly Stage[];
}

/** How often the model re-reads the plan, ms. */
const TICK_MS = 10;

/** Total length of the stages, ms. */
export function stagesDuration(stages: readonly Stage[]): number {
  return stages.reduce((s, p) => s + p.duration, 0);
}

/** Devices of the whole fleet that run `elapsedMs` after the start (at most `count`). */
export function rampingTarget(stages: readonly Stage[], elapsedMs: number, count: number): number {
  let from = 0;
  let t = Math.max(0, elapsedMs);
  let value = 0;
  for (const stage of stages) {
    if (t < stage.duration) {
      value = from + ((stage.target - from) * t) / stage.duration;
      return Math.min(count, Math.floor(value + 1e-9));
    }
    t -= stage.duration;
    from = stage.target;
    value = from;
  }
  return Math.min(count, Math.floor(value + 1e-9));
}

/** Of the slice's devices a worker owns, how many belong to the fleet's first `target` (they are in index order). */
export function workerTarget(owned: readonly number[], target: number): number {
  let n = 0;
  while (n < owned.length && owned[n]! <= target) n++;
  return n;
}

/** Starts and stops this worker's devices so that its share of the fleet's first N runs; see the header. */
export const rampingFleetModel: LoadModel<RampingFleetConfig> = {
  kind: 'closed',
  planDuration: (config) => stagesDuration(config.stages),
  async run(config, fleet, slice, clock, host) {
    const owned = workerDevices(slice.first, slice.last, slice.worker, slice.workers);
    const end = stagesDuration(config.stages);
    const running: DeviceHandle[] = [];
    // devices told to stop that have not ended yet: they boot again only once ended
    const ending = new Map<number, Promise<void>>();
    /** Moves toward the plan; true once this worker runs exactly its share. */
    const follow = (elapsed: number): boolean => {
      const want = workerTarget(owned, rampingTarget(config.stages, elapsed, fleet.count));
      while (running.length > want) {
        const h = running.pop()!;
        h.stop();
        ending.set(h.index, h.ended);
        void h.ended.then(() => {
          if (ending.get(h.index) === h.ended) ending.delete(h.index);
        });
      }
      while (running.length < want) {
        const index = owned[running.length]!;
        if (ending.has(index)) break;
        running.push(host.start(index, clock.now(), 'loop', true));
      }
      return running.length === want;
    };
    for (;;) {
      if (clock.stopped) return;
      const elapsed = clock.now() - slice.t0;
      if (follow(elapsed) && elapsed >= end) return;
      await clock.sleep(TICK_MS);
    }
  },
};
