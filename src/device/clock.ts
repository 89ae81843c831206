/**
 * The time source of a worker's devices: monotonic milliseconds and sleeps that all end at once when
 * the run stops. Sleeps live in one binary heap served by a single timer, not one `setTimeout` each:
 * at 100k idle devices a Node timer (plus its timer list and closures) per device costs ~250 bytes,
 * and one abort listener per sleeper would trip MaxListeners. Wake-ups stay exact to the millisecond.
 */
import { performance } from 'node:perf_hooks';

/** Time as devices see it. `now()` is `performance.now()` milliseconds. */
export interface Clock {
  now(): number;
  /** Resolves after `ms` (at once when `ms` ≤ 0 or the clock is stopped). */
  sleep(ms: number): Promise<void>;
  /** Resolves when `at` (a `now()` value) is reached, or at once when stopped. */
  sleepUntil(at: number): Promise<void>;
  readonly stopped: boolean;
  /** Resolves when `stop()` is called. */
  readonly whenStopped: Promise<void>;
  /** Ends every pending sleep; later sleeps resolve at once. */
  stop(): void;
  /**
   * A stoppable view of this clock for one device (a ramp-down stops a single device): its `stopped`
   * is this clock's or its own, and its `stop()` wakes only the sleeps made through it.
   */
  child(): Clock;
}

interface Sleeper {
  at: number;
  resolve: () => void;
}

/** A min-heap of sleepers ordered by wake time. */
class SleeperHeap {
  private readonly items: Sleeper[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): Sleeper | undefined {
    return this.items[0];
  }
  push(s: Sleeper): void {
    const a = this.items;
    a.push(s);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]!.at <= s.at) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = s;
  }
  pop(): Sleeper | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]!.at < a[l]!.at ? r : l;
        if (a[c]!.at >= last.at) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
  drain(): Sleeper[] {
    return this.items.splice(0);
  }
}

/** Creates a clock backed by one setTimeout for the earliest sleeper. */
export function createClock(): Clock {
  const heap = new SleeperHeap();
  let stopped = false;
  let markStopped: () => void = () => {};
  const whenStopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Number.POSITIVE_INFINITY;

  const arm = () => {
    const next = heap.peek();
    if (!next || next.at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = next.at;
    timer = setTimeout(fire, Math.max(0, next.at - performance.now()));
  };
  const fire = () => {
    timer = undefined;
    timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    // wake everything due (within half a millisecond: setTimeout rounds to whole ms)
    while (heap.size > 0 && heap.peek()!.at <= now + 0.5) heap.pop()!.resolve();
    arm();
  };
  const sleepUntil = (at: number): Promise<void> => {
    // a poll that is already due goes out at once (no 1 ms timer floor on back-to-back calls)
    if (stopped || at <= performance.now()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      heap.push({ at, resolve });
      arm();
    });
  };
  const clock: Clock = {
    now: () => performance.now(),
    sleep: (ms) => (ms <= 0 ? sleepUntil(0) : sleepUntil(performance.now() + ms)),
    sleepUntil,
    get stopped() {
      return stopped;
    },
    whenStopped,
    stop() {
      stopped = true;
      markStopped();
      if (timer) clearTimeout(timer);
      timer = undefined;
      for (const s of heap.drain()) s.resolve();
    },
    child: () => createChildClock(clock),
  };
  return clock;
}

/**
 * A per-device view of `parent`: sleeps go to the parent's heap (no timer of its own) and are also
 * ended by this view's `stop()`; the few bytes it holds are one flag and the device's pending sleeps.
 */
function createChildClock(parent: Clock): Clock {
  let own = false;
  let pending: Set<() => void> | undefined;
  let markStopped: (() => void) | undefined;
  let whenStopped: Promise<void> | undefined;
  const sleepUntil = (at: number): Promise<void> => {
    if (own) return Promise.resolve();
    return new Promise<void>((resolve) => {
      pending ??= new Set();
      pending.add(resolve);
      void parent.sleepUntil(at).then(() => {
        pending?.delete(resolve);
        resolve();
      });
    });
  };
  const child: Clock = {
    now: () => parent.now(),
    sleep: (ms) => sleepUntil(parent.now() + Math.max(0, ms)),
    sleepUntil,
    get stopped() {
      return own || parent.stopped;
    },
    get whenStopped() {
      whenStopped ??= Promise.race([
        parent.whenStopped,
        new Promise<void>((resolve) => {
          markStopped = resolve;
          if (own) resolve();
        }),
      ]);
      return whenStopped;
    },
    stop() {
      if (own) return;
      own = true;
      markStopped?.();
      const wake = pending;
      pending = undefined;
      for (const resolve of wake ?? []) resolve();
    },
    child: () => createChildClock(child),
  };
  return child;
}
