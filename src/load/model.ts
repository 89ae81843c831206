/**
 * The interface every load model implements (k6's `Executor`): a model decides, over time, which
 * devices of a worker's slice start and stop. It does no I/O of its own: time comes from an injected
 * `LoadClock` and devices are started and stopped through the worker's `LoadHost`, so a plan is unit
 * tested with a manual clock and a fake host. A model is one file of `src/load/` plus its schema in
 * `src/scenario/schema.ts`, and one line of the registry in `models.ts`.
 */

/** The time a model sees: the worker clock's monotonic ms and sleeps that end when the run stops. */
export interface LoadClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  sleepUntil(at: number): Promise<void>;
  readonly stopped: boolean;
}

/** How a started device behaves: `loop` polls until stopped (closed models), `visit` leaves after one visit (open). */
export type DeviceMode = 'loop' | 'visit';

/** A device a model started; `stop()` asks it to end at its next safe point (an in-flight request finishes). */
export interface DeviceHandle {
  readonly index: number;
  stop(): void;
  /** Resolves when the device has ended (never rejects). */
  readonly ended: Promise<void>;
}

/** What the worker gives a model: starting devices, counting dropped starts, the devices now running. */
export interface LoadHost {
  /**
   * Starts device `index` (1-based, global), booting at `bootAt` (a clock time). `stoppable` asks for
   * a device that `stop()` can end alone (its own view of the clock); others end with the run.
   */
  start(index: number, bootAt: number, mode: DeviceMode, stoppable?: boolean): DeviceHandle;
  /** Counts one start the model could not make (`device_starts_dropped`, open models). */
  dropStart(): void;
  /** Devices of this worker running now. */
  active(): number;
}

/** The part of the fleet one worker runs, and the run's time zero on the worker clock. */
export interface WorkerSlice {
  /** Global device indexes (1-based) of this run's shard. */
  first: number;
  last: number;
  /** The whole fleet's size (shards included). */
  fleetCount: number;
  worker: number;
  workers: number;
  /** `clock.now()` of second 0 of the run. */
  t0: number;
}

/** The fleet facts a plan may read (boot window of the closed fleet). */
export interface FleetFacts {
  count: number;
  bootOverMs: number;
}

/** One load model: `C` is its part of the scenario's `load` section. */
export interface LoadModel<C> {
  /** `open` models start devices at a rate whatever the server does; `closed` ones keep a device count. */
  readonly kind: 'open' | 'closed';
  /** How long the plan lasts (ms): a shorter run cuts the rest (`--duration` warns). */
  planDuration(config: C, fleet: FleetFacts): number;
  /**
   * Starts and stops the slice's devices following the plan; resolves when the plan has nothing left to
   * do (devices it started may still be running) or the clock stopped.
   */
  run(config: C, fleet: FleetFacts, slice: WorkerSlice, clock: LoadClock, host: LoadHost): Promise<void>;
}
