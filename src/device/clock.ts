/**
 * The time source of a worker's devices: monotonic milliseconds and sleeps that all end at once when
 * the run stops (one registry instead of an abort listener per sleeping device, which at 100k devices
 * would cost memory and trip MaxListeners).
 */
import { performance } from 'node:perf_hooks';

/** Time as devices see it. `now()` is `performance.now()` milliseconds. */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when the clock is stopped. */
  sleep(ms: number): Promise<void>;
  /** Resolves when `at` (a `now()` value) is reached, or at once when stopped. */
  sleepUntil(at: number): Promise<void>;
  readonly stopped: boolean;
  /** Ends every pending sleep; later sleeps resolve at once. */
  stop(): void;
}

/** Creates a clock backed by setTimeout. */
export function createClock(): Clock {
  const pending = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let stopped = false;
  const sleep = (ms: number): Promise<void> => {
    // a poll that is already due goes out at once (no 1 ms timer floor on back-to-back calls)
    if (stopped || ms <= 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const entry = {
        timer: setTimeout(
          () => {
            pending.delete(entry);
            resolve();
          },
          Math.max(0, ms),
        ),
        resolve,
      };
      pending.add(entry);
    });
  };
  return {
    now: () => performance.now(),
    sleep,
    sleepUntil: (at) => sleep(at - performance.now()),
    get stopped() {
      return stopped;
    },
    stop() {
      stopped = true;
      for (const e of pending) {
        clearTimeout(e.timer);
        e.resolve();
      }
      pending.clear();
    },
  };
}
