/**
 * The run observer (k6's `Output`, vegeta's `Observe`): one interface through which anything that
 * watches a run — the terminal progress, abortOnFail, a `--processes` child streaming to its parent,
 * and next live outputs (Prometheus, NDJSON, a dashboard) — sees it, without touching the engine.
 * Main thread; the engine calls each method about once a second at most, never per request.
 */
import type { Logger } from 'pino';
import type { Aggregator, LiveStats, MetricsSoFar } from '../metrics/aggregator.ts';
import type { MetricsSnapshot } from '../metrics/snapshot.ts';
import type { RunSummary } from '../report/summary.ts';

/** What a run is, when it starts. */
export interface RunStart {
  scenario: string;
  /** Second 0 of the run, epoch ms. */
  startedAtMs: number;
  /** The planned length of the run (stop.duration), ms. */
  durationMs: number;
  /** Devices of the run (of its shard), and the whole fleet's size. */
  devices: number;
  fleetCount: number;
  /** Worker threads (of this process), or child processes for `--processes`. */
  workers: number;
  processes?: number;
}

/** One worker snapshot as it arrived, with where it came from (`w0`; `p2/w0` through `--processes`). */
export interface SourcedSnapshot {
  source: string;
  snapshot: MetricsSnapshot;
}

/** The run once a second: the figures merged over every worker (and process) so far. */
export interface RunSnapshot {
  /** Whole seconds since second 0 (0, 1, 2 ...). */
  second: number;
  live: LiveStats;
  /** Cumulative counters and histograms so far (live references: read, never modify). */
  soFar: MetricsSoFar;
  /** The worker snapshots merged since the previous call (interval counters, encoded histograms). */
  intervals: readonly SourcedSnapshot[];
  /** Ends the run early, as partial with `reason` (abortOnFail); the first reason wins. */
  abort(reason: string): void;
}

/** Why a run stopped. */
export interface RunStopping {
  reason: string;
  partial: boolean;
}

/** Watches a run; every method is optional. An observer that throws is logged and ignored. */
export interface RunObserver {
  onStart?(run: RunStart): void;
  onSnapshot?(snapshot: RunSnapshot): void;
  /**
   * The run has stopped (its duration, settled, a stop line, Ctrl-C, abortOnFail) and is winding down:
   * in-flight requests get their grace, then the summary follows. `partial` as the report will say.
   */
  onStopping?(stop: RunStopping): void;
  /** The run's summary, before thresholds and the report are written. */
  onFinish?(summary: RunSummary): void;
}

/** Feeds worker snapshots into an aggregator and hands observers one merged snapshot per second. */
export interface SnapshotFeed {
  /** One worker snapshot (on arrival). */
  add(snapshot: MetricsSnapshot, source: string): void;
  /** Called often (e.g. every 250 ms); calls the observers when a new second began. */
  tick(nowMs?: number): void;
  /** The reason an observer aborted the run, once one did. */
  readonly aborted: string | undefined;
  start(run: RunStart): void;
  stopping(stop: RunStopping): void;
  finish(summary: RunSummary): void;
}

/** Creates the feed of one run over `agg` (whose start is second 0). */
export function createSnapshotFeed(
  agg: Aggregator,
  observers: readonly RunObserver[],
  o: { startedAtMs: number; log: Logger },
): SnapshotFeed {
  let pending: SourcedSnapshot[] = [];
  let lastSecond = -1;
  let aborted: string | undefined;
  const failed = new Set<RunObserver>();
  const each = (f: (ob: RunObserver) => void) => {
    for (const ob of observers) {
      try {
        f(ob);
      } catch (err) {
        if (!failed.has(ob)) o.log.error({ err: String(err) }, 'a run observer failed; ignoring it');
        failed.add(ob);
      }
    }
  };
  const abort = (reason: string) => {
    aborted ??= reason;
  };
  return {
    add(snapshot, source) {
      agg.add(snapshot, source);
      pending.push({ source, snapshot });
    },
    tick(nowMs = Date.now()) {
      const second = Math.floor((nowMs - o.startedAtMs) / 1000);
      if (second <= lastSecond || second < 0) return;
      lastSecond = second;
      const snapshot: RunSnapshot = {
        second,
        live: agg.live(nowMs),
        soFar: agg.peek(),
        intervals: pending,
        abort,
      };
      pending = [];
      each((ob) => ob.onSnapshot?.(snapshot));
    },
    get aborted() {
      return aborted;
    },
    start: (run) => each((ob) => ob.onStart?.(run)),
    stopping: (stop) => each((ob) => ob.onStopping?.(stop)),
    finish: (summary) => each((ob) => ob.onFinish?.(summary)),
  };
}
