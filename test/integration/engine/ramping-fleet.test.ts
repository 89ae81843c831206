/**
 * scenarios/ramping-fleet.yaml runs (time compressed) on the embedded server: the number of running
 * devices follows its stages (up to 200, hold, down to 50), seen through a run observer.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunSnapshot } from '../../../src/engine/observer.ts';
import { runScenario } from '../../../src/engine/run.ts';
import { loadScenario } from '../../../src/scenario/load.ts';
import type { Scenario } from '../../../src/scenario/schema.ts';
import { silentLog } from './helpers.ts';

const FILE = join(import.meta.dirname, '../../../scenarios/ramping-fleet.yaml');
const FACTOR = 0.3;

/** Every duration of the example × FACTOR (stages 3 s up, 3 s hold, 3 s down; the run 12 s). */
function compress(s: Scenario): Scenario {
  const t = (ms: number) => Math.round(ms * FACTOR);
  const c = structuredClone(s);
  if (c.load.model !== 'ramping-fleet') throw new Error('not a ramping-fleet scenario');
  for (const st of c.load.stages) st.duration = t(st.duration);
  for (const p of c.profiles) {
    p.pollInterval = t(p.pollInterval);
    p.installTime = t(p.installTime);
  }
  for (const step of c.rollout?.steps ?? []) step.at = t(step.at);
  // 1.5 s more than compressed, so that seconds 10 and 11 are seen after the ramp-down on a busy machine
  c.stop.duration = t(c.stop.duration) + 1500;
  return c;
}

describe('scenarios/ramping-fleet.yaml', () => {
  it('runs as many devices as its stages say: up to 200, then down to 50', { timeout: 90_000 }, async () => {
    const loaded = await loadScenario(FILE);
    if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
    expect(loaded.warnings).toEqual([]);
    const s = compress(loaded.scenario);
    const seconds: RunSnapshot[] = [];
    const { summary } = await runScenario({
      scenario: s,
      scenarioFile: FILE,
      scenarioSource: loaded.source,
      workers: 2,
      log: silentLog,
      observers: [{ onSnapshot: (snap) => seconds.push(snap) }],
    });
    expect(summary.run.partial).toBe(false);
    const active = seconds.map((x) => [x.second, x.live.devicesActive] as const);
    // rising during the ramp-up, all 200 during the hold, 50 once the ramp-down is over (from 9 s)
    expect(Math.max(...active.map(([, a]) => a)), JSON.stringify(active)).toBe(200);
    const during = active.filter(([t]) => t >= 1 && t <= 2).map(([, a]) => a);
    for (const a of during) expect(a).toBeLessThan(200);
    const after = active.filter(([t]) => t >= 10);
    expect(after.length, JSON.stringify(active)).toBeGreaterThan(0);
    for (const [, a] of after) expect(a).toBe(50);
    // each device booted once (none was ramped back up), and the batch reached devices that ran
    expect(summary.totals.devices.booted).toBe(200);
    expect(summary.rollout?.upgraded).toBeGreaterThan(0);
  });
});
