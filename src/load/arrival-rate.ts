/**
 * The open `arrival-rate` model (k6 ramping-arrival-rate, Artillery arrivalRate/rampTo): devices start
 * at a rate that follows phases with linear ramps. Pure pacing: how many starts are due by a time.
 * Starts that cannot be made (maxDevices reached) are counted as dropped, never delayed.
 */
import type { LoadModel } from './model.ts';

/** How often the pacer looks for due starts, ms. */
const TICK_MS = 10;

/** One phase: `rate` starts/second, ramping linearly to `rampTo` over `duration` ms. */
export interface Phase {
  duration: number;
  rate: number;
  rampTo?: number | undefined;
}

/** Cumulative number of starts (fractional) due `elapsedMs` after the start. */
export function arrivalsDue(phases: readonly Phase[], elapsedMs: number): number {
  let total = 0;
  let t = elapsedMs;
  for (const p of phases) {
    if (t <= 0) break;
    const span = Math.min(t, p.duration);
    const r0 = p.rate;
    const r1 = p.rampTo ?? p.rate;
    // integral of a linear rate over [0, span] seconds
    const rateAtSpan = p.duration > 0 ? r0 + ((r1 - r0) * span) / p.duration : r0;
    total += ((r0 + rateAtSpan) / 2) * (span / 1000);
    t -= p.duration;
  }
  return total;
}

/** Total length of the phases, ms. */
export function phasesDuration(phases: readonly Phase[]): number {
  return phases.reduce((s, p) => s + p.duration, 0);
}

/** Of the first `due` global starts (numbered 0..), how many belong to worker `worker` of `workers` (k % workers). */
export function workerShare(due: number, worker: number, workers: number): number {
  const n = Math.floor(due);
  return n > worker ? Math.floor((n - worker - 1) / workers) + 1 : 0;
}

/** A pacer for one worker: call `take(elapsedMs)` on each tick to get the start numbers now due. */
export interface ArrivalPacer {
  take(elapsedMs: number): number[];
  readonly done: (elapsedMs: number) => boolean;
}

/** Creates a worker's pacer; start number k (global) is worker k % workers's. */
export function createArrivalPacer(phases: readonly Phase[], worker: number, workers: number): ArrivalPacer {
  let taken = 0;
  const end = phasesDuration(phases);
  return {
    take(elapsedMs) {
      const due = workerShare(arrivalsDue(phases, Math.min(elapsedMs, end)), worker, workers);
      const out: number[] = [];
      for (; taken < due; taken++) out.push(taken * workers + worker);
      return out;
    },
    done: (elapsedMs) => elapsedMs >= end,
  };
}

/** The `arrival-rate` section of `load`. */
export interface ArrivalRateConfig {
  model: 'arrival-rate';
  phases: readonly Phase[];
  /** Most devices active at once over the whole run (each worker keeps its share). */
  maxDevices?: number | undefined;
}

/**
 * The open model: visits start as the phases say; start k goes to device `first + k mod span`. A start
 * is dropped (counted, never delayed) when the worker is at its share of maxDevices or the device it
 * names is still on its previous visit.
 */
export const arrivalRateModel: LoadModel<ArrivalRateConfig> = {
  kind: 'open',
  planDuration: (config) => phasesDuration(config.phases),
  async run(config, _fleet, slice, clock, host) {
    const pacer = createArrivalPacer(config.phases, slice.worker, slice.workers);
    const maxActive = config.maxDevices
      ? Math.max(1, Math.floor(config.maxDevices / slice.workers))
      : Number.POSITIVE_INFINITY;
    const span = slice.last - slice.first + 1;
    const busy = new Set<number>();
    while (!clock.stopped) {
      const elapsed = clock.now() - slice.t0;
      for (const k of pacer.take(elapsed)) {
        const index = slice.first + (k % span);
        if (host.active() >= maxActive || busy.has(index)) {
          host.dropStart();
          continue;
        }
        busy.add(index);
        void host.start(index, clock.now(), 'visit').ended.then(() => busy.delete(index));
      }
      if (pacer.done(elapsed)) break;
      await clock.sleep(TICK_MS);
    }
  },
};
