/**
 * Runs a scenario and lets the test watch it while it runs, so a test acts on events and counts
 * ("21 requests succeeded", "one device upgraded", "a connection was refused") instead of on a
 * wall-clock moment that a busy machine may not reach in time. The run's own `stop.duration` is the
 * safety net: when the run ends before what a test waits for, `until` rejects and says what was missed.
 */
import { type RunOptions, type RunResult, runScenario } from '../../src/engine/run.ts';
import type { LiveStats } from '../../src/metrics/aggregator.ts';
import { parseMetricKey } from '../../src/metrics/keys.ts';

/** What the test sees of a running run, refreshed about four times a second. */
export interface RunView {
  /** The live figures of the progress line (updated as worker snapshots arrive, about once a second). */
  live: LiveStats;
  /** Requests that succeeded so far (all requests minus failed ones). */
  succeeded: number;
  /** Sum of every series of counter `name` whose tags include `tags`, e.g. `count('errors', { code })`. */
  count(name: string, tags?: Record<string, string>): number;
}

/** A run started by `startWatchedRun`. */
export interface WatchedRun {
  /** The run's result; rejects only when the run is refused before devices start. */
  result: Promise<RunResult>;
  /** Resolves with the first view for which `pred` holds; rejects when the run ends before it does. */
  until(what: string, pred: (view: RunView) => boolean): Promise<RunView>;
  /** Ends the run normally (not partial), as `stopSignal` does. */
  stop(reason?: string): void;
  /** Ends the run early, marked partial with `reason` (as Ctrl-C does). */
  abort(reason?: string): void;
}

interface Waiter {
  what: string;
  pred: (view: RunView) => boolean;
  resolve: (view: RunView) => void;
  reject: (err: Error) => void;
}

const EMPTY_LIVE: LiveStats = {
  elapsedSec: 0,
  devicesActive: 0,
  upgraded: 0,
  failed: 0,
  cancelled: 0,
  dropped: 0,
  requests: 0,
  rps: 0,
  errors: 0,
  errorRate: 0,
  callP99Ms: {},
};

/** Starts `runScenario(opts)` with hooks that feed `until`; the caller's own hooks still run. */
export function startWatchedRun(opts: RunOptions): WatchedRun {
  const stopper = new AbortController();
  const aborter = new AbortController();
  let live = EMPTY_LIVE;
  let counters: Readonly<Record<string, number>> = {};
  let ended: Error | undefined;
  const waiters = new Set<Waiter>();

  const count = (name: string, tags: Record<string, string> = {}): number => {
    let sum = 0;
    for (const [key, n] of Object.entries(counters)) {
      const k = parseMetricKey(key);
      if (k.name === name && Object.entries(tags).every(([t, v]) => k.tags[t] === v)) sum += n;
    }
    return sum;
  };
  const view = (): RunView => ({ live, succeeded: live.requests - live.errors, count });
  const check = () => {
    if (waiters.size === 0) return;
    const v = view();
    for (const w of waiters) {
      if (!w.pred(v)) continue;
      waiters.delete(w);
      w.resolve(v);
    }
  };
  const fail = (err: Error) => {
    ended = err;
    for (const w of waiters) w.reject(new Error(`${err.message} before ${w.what}`));
    waiters.clear();
  };

  const signals = [aborter.signal, ...(opts.signal ? [opts.signal] : [])];
  const stopSignals = [stopper.signal, ...(opts.stopSignal ? [opts.stopSignal] : [])];
  const result = runScenario({
    ...opts,
    signal: AbortSignal.any(signals),
    stopSignal: AbortSignal.any(stopSignals),
    observers: [
      ...(opts.observers ?? []),
      {
        onSnapshot: (snap) => {
          live = snap.live;
          counters = snap.soFar.counters;
          check();
        },
      },
    ],
  });
  void result.then(
    (r) => fail(new Error(`the run ended (${r.summary.run.endReason})`)),
    (err: Error) => fail(new Error(`the run was refused (${err.message})`)),
  );

  return {
    result,
    until(what, pred) {
      return new Promise<RunView>((resolve, reject) => {
        const v = view();
        if (pred(v)) resolve(v);
        else if (ended) reject(new Error(`${ended.message} before ${what}`));
        else waiters.add({ what, pred, resolve, reject });
      });
    },
    stop(reason = 'stopped by the test') {
      stopper.abort(reason);
    },
    abort(reason = 'interrupted') {
      aborter.abort(reason);
    },
  };
}
