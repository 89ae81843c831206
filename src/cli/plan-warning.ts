/** `--duration` shorter than the scenario's plan: a warning saying which part of the plan is cut. */
import { loadModelOf } from '../load/models.ts';
import type { Scenario } from '../scenario/schema.ts';
import { formatDuration } from '../scenario/units.ts';

const LOAD_PLAN: Record<Scenario['load']['model'], string> = {
  fleet: 'the fleet boot window (fleet.boot.over)',
  'arrival-rate': 'the arrival-rate phases',
  'ramping-fleet': 'the ramping-fleet stages',
};

/**
 * Warnings for a run of `durationMs` (the `--duration` given) shorter than the scenario's load plan or
 * its rollout steps; empty when the whole plan fits.
 */
export function planCutWarnings(s: Scenario, durationMs: number): string[] {
  const out: string[] = [];
  const d = formatDuration(durationMs);
  const plan = loadModelOf(s.load).planDuration(s.load, {
    count: s.fleet.count,
    bootOverMs: s.fleet.boot.over,
  });
  if (plan > durationMs) {
    out.push(
      `--duration ${d} is shorter than ${LOAD_PLAN[s.load.model]} (${formatDuration(plan)}): the last ${formatDuration(plan - durationMs)} of the load plan is cut`,
    );
  }
  const late = (s.rollout?.steps ?? [])
    .filter((step) => step.at >= durationMs)
    .map((step) => formatDuration(step.at));
  if (late.length > 0) {
    out.push(
      `--duration ${d} ends the run before the rollout step${late.length > 1 ? 's' : ''} at ${late.join(', ')}: never played`,
    );
  }
  return out;
}
