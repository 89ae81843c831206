/**
 * Rollout derivation for `finish`: outcome counts by start version, profile and failing step from
 * the device counters, and the convergence curve and time-to-fraction from the per-second series.
 */
import { asSeries, type Series } from './keys.ts';
import type { ConvergencePoint, RolloutBatch, RolloutCounts, RolloutSummary } from './run-summary.ts';
import type { TimePoint } from './timeseries.ts';

const OUTCOME_OF: Readonly<Record<string, keyof RolloutCounts>> = {
  devices_upgraded: 'upgraded',
  devices_failed: 'failed',
  devices_cancelled: 'cancelled',
};

/** Cumulative outcomes at the end of each second, starting with all zeros at t=0. */
export function convergenceOf(series: readonly TimePoint[]): ConvergencePoint[] {
  const out: ConvergencePoint[] = [{ t: 0, upgraded: 0, failed: 0, cancelled: 0 }];
  let upgraded = 0;
  let failed = 0;
  let cancelled = 0;
  for (const p of series) {
    upgraded += p.upgraded;
    failed += p.failed;
    cancelled += p.cancelled;
    out.push({ t: p.t + 1, upgraded, failed, cancelled });
  }
  return out;
}

/**
 * ms from the run start until `fraction` (0..1] of `targeted` devices had upgraded, interpolated
 * linearly inside the second it was reached (1-second resolution); null if never reached.
 */
export function timeToFraction(
  convergence: readonly ConvergencePoint[],
  targeted: number,
  fraction: number,
): number | null {
  if (targeted <= 0) return null;
  const need = Math.max(1, Math.ceil(fraction * targeted - 1e-9));
  let prev: ConvergencePoint | undefined;
  for (const p of convergence) {
    if (p.upgraded >= need) {
      if (prev === undefined || p.upgraded === prev.upgraded) return p.t * 1000;
      const within = (need - prev.upgraded) / (p.upgraded - prev.upgraded);
      return Math.round((prev.t + within * (p.t - prev.t)) * 1000);
    }
    prev = p;
  }
  return null;
}

function bump(table: Record<string, RolloutCounts>, group: string, outcome: keyof RolloutCounts, n: number) {
  let row = table[group];
  if (row === undefined) {
    row = { upgraded: 0, failed: 0, cancelled: 0 };
    table[group] = row;
  }
  row[outcome] += n;
}

/** Device outcomes grouped by start version, profile and failing step, from cumulative counters. */
export function groupOutcomes(counters: Readonly<Record<string, number>> | readonly Series<number>[]): {
  totals: RolloutCounts;
  byStartVersion: Record<string, RolloutCounts>;
  byProfile: Record<string, RolloutCounts>;
  failedBySteps: Record<string, number>;
} {
  const totals: RolloutCounts = { upgraded: 0, failed: 0, cancelled: 0 };
  const byStartVersion: Record<string, RolloutCounts> = {};
  const byProfile: Record<string, RolloutCounts> = {};
  const failedBySteps: Record<string, number> = {};
  for (const { name, tags, value: n } of asSeries(counters)) {
    const outcome = OUTCOME_OF[name];
    if (outcome === undefined) continue;
    totals[outcome] += n;
    bump(byStartVersion, tags['from'] ?? 'unknown', outcome, n);
    bump(byProfile, tags['profile'] ?? 'unknown', outcome, n);
    if (outcome === 'failed') {
      const step = tags['step'] ?? 'unknown';
      failedBySteps[step] = (failedBySteps[step] ?? 0) + n;
    }
  }
  return { totals, byStartVersion, byProfile, failedBySteps };
}

/** Server task states that are not final: the task is still live. */
const LIVE_STATES = ['pending', 'downloading', 'upgrading', 'retrying'] as const;

/** Tasks still live on the server, from its batches; undefined without batches. */
function liveTasks(batches: readonly RolloutBatch[] | undefined): number | undefined {
  if (batches === undefined || batches.length === 0) return undefined;
  let live = 0;
  for (const b of batches) {
    // a batch that does not say how many tasks are live (an older or foreign server) tells nothing
    if (!LIVE_STATES.some((k) => typeof b.counts[k] === 'number')) return undefined;
    for (const k of LIVE_STATES) live += b.counts[k] ?? 0;
  }
  return live;
}

/**
 * Caps outcomes so that together they never exceed `targeted` tasks (each task has one outcome):
 * upgraded first, then failed, then cancelled. Returns the capped counts and how many were dropped.
 */
function capOutcomes(totals: RolloutCounts, targeted: number): { counts: RolloutCounts; over: number } {
  const upgraded = Math.min(totals.upgraded, targeted);
  const failed = Math.min(totals.failed, targeted - upgraded);
  const cancelled = Math.min(totals.cancelled, targeted - upgraded - failed);
  const over = totals.upgraded + totals.failed + totals.cancelled - (upgraded + failed + cancelled);
  return { counts: { upgraded, failed, cancelled }, over };
}

/**
 * The rollout section of the summary. Outcomes are of module tasks, once per task and never more
 * than `targeted` (tasks, from the server); `pending` is the server's count of tasks still live
 * when its batches are known (never clipped), else targeted minus the outcomes devices reported.
 * `devices` counts devices: upgraded once all their targeted modules are.
 */
export function deriveRollout(
  counters: Readonly<Record<string, number>>,
  series: readonly TimePoint[],
  rollout: { targeted: number; batches?: RolloutBatch[]; serverPending?: boolean },
  parsed?: readonly Series<number>[],
): RolloutSummary {
  const grouped = groupOutcomes(parsed ?? counters);
  const convergence = convergenceOf(series);
  const { targeted } = rollout;
  const { counts, over } = capOutcomes(grouped.totals, targeted);
  const live = rollout.serverPending === false ? undefined : liveTasks(rollout.batches);
  const finished = counts.upgraded + counts.failed + counts.cancelled;
  const summary: RolloutSummary = {
    targeted,
    ...counts,
    pending: live ?? Math.max(0, targeted - finished),
    pendingFrom: live === undefined ? 'devices' : 'server',
    upgradedFraction: targeted > 0 ? counts.upgraded / targeted : 0,
    timeTo: {
      p50: timeToFraction(convergence, targeted, 0.5),
      p90: timeToFraction(convergence, targeted, 0.9),
      p99: timeToFraction(convergence, targeted, 0.99),
    },
    convergence,
    byStartVersion: grouped.byStartVersion,
    byProfile: grouped.byProfile,
    failedBySteps: grouped.failedBySteps,
    batches: rollout.batches ?? [],
    devices: {
      withTask: counters['devices_with_task'] ?? 0,
      upgraded: counters['devices_fully_upgraded'] ?? 0,
    },
  };
  if (over > 0) summary.overcounted = over;
  return summary;
}
