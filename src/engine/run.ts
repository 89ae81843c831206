/**
 * One run, orchestrated on the main thread: prepare the target (embedded server or URL), start the
 * workers, merge their snapshots, play the rollout script, stop on duration / settled / abort, and
 * write the report. Called by `ota-fleet run` and by tests directly.
 */
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { shardRange } from '../load/fleet.ts';
import type { LiveStats } from '../metrics/aggregator.ts';
import { createAggregator } from '../metrics/aggregator.ts';
import type { FreshSummary as RunSummary } from '../report/summary.ts';
import type { Scenario } from '../scenario/schema.ts';
import { assertFitsFdLimit } from './fd-limit.ts';
import { createSnapshotFeed, type RunObserver } from './observer.ts';
import { startWorkers, youngGenerationFor } from './pool.ts';
import type { WorkerMessage } from './protocol.ts';
import { prepareTarget } from './target.ts';

/** What `runScenario` needs. */
export interface RunOptions {
  scenario: Scenario;
  scenarioFile: string;
  scenarioSource: string;
  /** Worker threads (default: the core count). */
  workers?: number;
  /** Run only shard `index` (1-based) of `count` equal slices of the fleet. */
  shard?: { index: number; count: number };
  /** Ends the run early; the report is marked partial with this reason. */
  signal?: AbortSignal;
  /** Ends the run normally, not partial; its reason becomes `endReason` (--processes: the rollout settled). */
  stopSignal?: AbortSignal;
  /** Second 0 of the run, epoch ms (--processes gives all its processes one start); default now + 200 ms. */
  startAtMs?: number;
  /**
   * How late (ms) a `startAtMs` may be and still be caught up; a later start starts at once, noted.
   * Default LATE_START_TOLERANCE_MS; --processes children pass Infinity (their parent's one clock).
   */
  lateStartToleranceMs?: number;
  /**
   * Watch the run: start, one merged snapshot a second, the summary (terminal progress, abortOnFail,
   * live outputs). See observer.ts.
   */
  observers?: readonly RunObserver[];
  /** Called about once a second with the live figures; shorthand for an observer's `onSnapshot`. */
  onTick?: (live: LiveStats) => void;
  log: Logger;
  /** Device keys from the scenario's CSV (URL targets with device-level tokens). */
  deviceKeys?: Record<string, string>;
  wasm?: boolean;
  measure?: boolean;
  /** Grace for in-flight calls at the end, ms. */
  graceMs?: number;
}

/** The outcome of a run: its summary (not yet written to disk). */
export interface RunResult {
  summary: RunSummary;
}

/** Time the main thread waits for the workers beyond the in-flight grace, ms. */
export const STOP_MARGIN_MS = 1000;

/** Devices one worker thread carries comfortably before a second one pays for itself. */
export const DEVICES_PER_WORKER = 5000;

/**
 * Default worker threads: one per DEVICES_PER_WORKER devices, at most one per core. Small fleets stay on
 * one thread: on a 2-core machine shared with the target, a second busy thread costs the server more
 * than it gives the generator (measured by `npm run bench`).
 */
export function defaultWorkers(devices: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(devices / DEVICES_PER_WORKER)));
}

/** A start more than this late (ms) is moved to now instead of caught up: the run starts at once. */
export const LATE_START_TOLERANCE_MS = 1000;

/**
 * Second 0 of a run asked to start at `startAtMs` (epoch ms; default now + 200 ms) when the target is
 * ready at `nowMs`. A start that has already passed by more than LATE_START_TOLERANCE_MS starts at once,
 * with a note saying by how much it was late (`--start-at` shards of one run on one clock).
 */
export function startTime(
  startAtMs: number | undefined,
  nowMs: number,
  toleranceMs = LATE_START_TOLERANCE_MS,
): { startedAt: number; lateNote?: string } {
  if (startAtMs === undefined) return { startedAt: nowMs + 200 };
  const late = nowMs - startAtMs;
  if (late <= toleranceMs) return { startedAt: startAtMs };
  return {
    startedAt: nowMs,
    lateNote: `Started ${(late / 1000).toFixed(1)} s late: --start-at was ${new Date(startAtMs).toISOString()}, this run started at once at ${new Date(nowMs).toISOString()}.`,
  };
}

/** Runs a scenario to its end and returns its summary. Throws OtaFleetError only before devices start. */
export async function runScenario(opts: RunOptions): Promise<RunResult> {
  const s = opts.scenario;
  const log = opts.log.child({ module: 'engine' });
  const shard = opts.shard ?? { index: 1, count: 1 };
  const { first, last } = shardRange(s.fleet.count, shard.index, shard.count);
  const devices = last - first + 1;
  const workers = Math.max(1, Math.min(opts.workers ?? defaultWorkers(devices), devices));
  assertFitsFdLimit(s, devices, workers);

  // the run's own logger: each module adds its name once
  const target = await prepareTarget(s, {
    log: opts.log,
    ...(opts.deviceKeys ? { deviceKeys: opts.deviceKeys } : {}),
    // one rollout for the whole fleet: shard 1 plays it
    playRollout: shard.index === 1,
  });
  const { startedAt, lateNote } = startTime(opts.startAtMs, Date.now(), opts.lateStartToleranceMs);
  const agg = createAggregator({ startedAtMs: startedAt });
  const feed = createSnapshotFeed(agg, observersOf(opts), { startedAtMs: startedAt, log });
  let workerError: string | undefined;
  const onMessage = (m: WorkerMessage) => {
    if (m.type === 'snapshot' || m.type === 'final') feed.add(m.snapshot, `w${m.workerIndex}`);
    else workerError ??= `${m.error.code}: ${m.error.message}`;
  };
  const base = {
    workerCount: workers,
    scenario: s,
    target: target.info,
    first,
    last,
    startEpochMs: startedAt,
    snapshotIntervalMs: 1000,
    wasm: opts.wasm ?? true,
    measure: opts.measure ?? true,
    logLevel: opts.log.level,
  };
  log.info({ workers, devices, target: target.info.origin }, 'starting workers');
  const youngGenerationMb = youngGenerationFor(Math.ceil(devices / workers));
  const pool = startWorkers(
    Array.from({ length: workers }, (_, workerIndex) => ({ ...base, workerIndex })),
    onMessage,
    youngGenerationMb ? { youngGenerationMb } : {},
  );
  feed.start({
    scenario: s.name,
    startedAtMs: startedAt,
    durationMs: s.stop.duration,
    devices,
    fleetCount: s.fleet.count,
    workers,
  });
  const rollout = target.startRollout?.(startedAt);
  let partialReason: string | undefined;
  let endReason = 'duration';
  const deadline = startedAt + s.stop.duration;
  let workersEnded = false;
  let settledAt: number | undefined;
  const lingerMs = Math.min(5000, Math.max(...s.profiles.map((p) => p.pollInterval)) + 500);
  void pool.done.then(() => {
    workersEnded = true;
  });
  try {
    while (!workersEnded) {
      await new Promise((r) => setTimeout(r, 250));
      const now = Date.now();
      if (opts.signal?.aborted) {
        partialReason = String(opts.signal.reason ?? 'interrupted');
        endReason = partialReason;
        break;
      }
      if (opts.stopSignal?.aborted) {
        endReason = String(opts.stopSignal.reason ?? 'stopped');
        break;
      }
      feed.tick(now);
      const abort = feed.aborted;
      if (abort) {
        partialReason = abort;
        endReason = abort;
        break;
      }
      if (now >= deadline) break;
      if (settledAt === undefined && s.stop.whenSettled && rollout && (await rollout.settled()))
        settledAt = now;
      // once the server says every task is final, give devices time to see it (a cancel is learnt on the next call)
      if (settledAt !== undefined && now - settledAt >= lingerMs) {
        endReason = 'settled';
        break;
      }
    }
  } finally {
    feed.stopping({ reason: endReason, partial: partialReason !== undefined });
    pool.stop(opts.graceMs ?? 2000);
  }
  // the workers get the grace and a little more to send their final snapshot; a worker still
  // running then is terminated (its last second is lost, the run says so) so the stop stays bounded
  const capMs = (opts.graceMs ?? 2000) + STOP_MARGIN_MS;
  const results = await Promise.race([
    pool.done,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), capMs).unref()),
  ]);
  await pool.destroy();
  if (results === undefined)
    workerError ??= `ERR_INTERNAL: a worker did not stop within ${capMs} ms of the stop`;
  for (const r of results ?? []) {
    if (r.status === 'rejected') workerError = String((r.reason as Error)?.message ?? r.reason);
  }
  if (workerError) log.error({ err: workerError }, 'a worker failed');
  const endedAt = Date.now();
  const rolloutInfo = rollout ? await rollout.finish() : undefined;
  await target.stop();
  log.info({ endReason }, 'run ended');
  const summary = agg.finish({
    scenario: { name: s.name, file: opts.scenarioFile, source: opts.scenarioSource },
    run: {
      startedAtMs: startedAt,
      endedAtMs: endedAt,
      partial: partialReason !== undefined || workerError !== undefined,
      ...(partialReason ? { partialReason } : workerError ? { partialReason: 'worker-failed' } : {}),
      endReason,
      seed: s.seed,
      target: { url: target.info.origin, embedded: target.embedded, dialect: s.target.dialect },
      shard,
      workers,
      devices,
    },
    ...(rolloutInfo ? { rollout: rolloutInfo } : {}),
    notes: [
      ...(lateNote ? [lateNote] : []),
      ...target.notes,
      ...(rollout?.notes ?? []),
      ...(workerError ? [`worker error: ${workerError}`] : []),
    ],
  });
  feed.finish(summary);
  return { summary };
}

/** The run's observers, with `onTick` as one more. */
function observersOf(opts: RunOptions): RunObserver[] {
  const onTick = opts.onTick;
  return [
    ...(opts.observers ?? []),
    ...(onTick ? [{ onSnapshot: (s: { live: LiveStats }) => onTick(s.live) }] : []),
  ];
}
