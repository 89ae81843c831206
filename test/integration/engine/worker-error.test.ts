/**
 * A worker that fails (a bug, never a server's doing) says so to the main thread as `{ code, message }`
 * on its port and still ends with its final snapshot: the run ends partial (`worker-failed`) with the
 * coded error in its notes, instead of a rejected task whose message alone reaches the report.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { scenario, silentLog } from './helpers.ts';

describe('a failing worker', () => {
  it('reports a coded error and its final snapshot; the run is partial, never hung', {
    timeout: 60_000,
  }, async () => {
    const s = scenario({
      fleet: { count: 4 },
      profiles: [{ name: 'p', pollInterval: '100ms' }],
      load: { model: 'ramping-fleet', stages: [{ duration: '0s', target: 4 }] },
      stop: { duration: '2s' },
    });
    // a plan the schema would never let through: its model throws inside the worker
    if (s.load.model !== 'ramping-fleet') throw new Error('unreachable');
    s.load.stages = [{ duration: 0, target: 4 }, null as never];
    const { summary } = await runScenario({
      scenario: s,
      scenarioFile: 'broken.yaml',
      scenarioSource: 'name: broken',
      log: silentLog,
      workers: 2,
    });
    expect(summary.run).toMatchObject({ partial: true, partialReason: 'worker-failed' });
    expect(summary.notes).toContainEqual(expect.stringMatching(/^worker error: ERR_INTERNAL: .*null/));
  });
});
