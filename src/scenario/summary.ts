/** A one-line description of a valid scenario, as `ota-fleet validate` prints it after "ok". */
import type { Scenario } from './schema.ts';
import { formatDuration } from './units.ts';

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

function describeProfiles(s: Scenario): string {
  const total = s.profiles.reduce((sum, p) => sum + p.weight, 0);
  const shares = s.profiles.map((p) => `${p.name} ${Math.round((100 * p.weight) / total)}%`);
  return `${plural(s.profiles.length, 'profile')} (${shares.join(', ')})`;
}

function describeLoad(s: Scenario): string {
  if (s.load.model === 'fleet') return 'closed fleet model';
  if (s.load.model === 'ramping-fleet') {
    const span = s.load.stages.reduce((sum, p) => sum + p.duration, 0);
    const peak = Math.max(...s.load.stages.map((p) => p.target));
    return `closed ramping-fleet model (${plural(s.load.stages.length, 'stage')} over ${formatDuration(span)}, up to ${plural(peak, 'device')})`;
  }
  const span = s.load.phases.reduce((sum, p) => sum + p.duration, 0);
  const cap = s.load.maxDevices ? `, at most ${s.load.maxDevices.toLocaleString('en-US')} at once` : '';
  return `open arrival-rate model (${plural(s.load.phases.length, 'phase')} over ${formatDuration(span)}${cap})`;
}

/** Summarises target, devices, profiles, load model, rollout and duration in one line. */
export function summarizeScenario(s: Scenario): string {
  const target = s.target.url === 'embedded' ? 'embedded target' : `target ${s.target.url}`;
  const rollout = s.rollout
    ? `rollout of ${plural(s.rollout.packages.length, 'package')} in ${plural(s.rollout.steps.length, 'step')}`
    : 'no rollout';
  const stop = `stops at ${formatDuration(s.stop.duration)}${s.stop.whenSettled && s.rollout ? ' or when settled' : ''}`;
  return [target, plural(s.fleet.count, 'device'), describeProfiles(s), describeLoad(s), rollout, stop].join(
    ', ',
  );
}
