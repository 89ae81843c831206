import { describe, expect, it } from 'vitest';
import { EXIT_CODE_HELP, ExitCode, exitCodeFor } from '../../../src/cli/exit-codes.ts';
import { isRefused, refusedMessage, runExitCode } from '../../../src/cli/outcome.ts';
import { planCutWarnings } from '../../../src/cli/plan-warning.ts';
import type { RunSummary } from '../../../src/report/summary.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

/** The example summary with every request of every call failed (a wrong access key). */
function refusedSummary(): RunSummary {
  const s = createExampleSummary();
  for (const c of Object.values(s.calls)) c.failed = c.count;
  s.errors = [{ code: 'ERR_OTA_ERRNO', call: 'check', detail: 'errno 1', count: 210 }];
  return s;
}

describe('the exit code of a run', () => {
  it('is 4 when requests were sent and none succeeded: the target refused the fleet', () => {
    const s = refusedSummary();
    expect(isRefused(s)).toBe(true);
    expect(runExitCode(s)).toBe(ExitCode.TARGET_REFUSED);
    expect(ExitCode.TARGET_REFUSED).toBe(4);
    expect(refusedMessage(s)).toMatch(
      /^the target refused the fleet: every one of \d+ requests failed; most often ERR_OTA_ERRNO \(errno 1\) ×210$/,
    );
    expect(exitCodeFor('ERR_TARGET_REFUSED')).toBe(4);
    expect(EXIT_CODE_HELP).toMatch(/^4 .*refused the fleet/m);
  });
  it('is 0 for a healthy run, even one where some requests failed', () => {
    const s = createExampleSummary();
    s.run.partial = false;
    delete s.run.partialReason;
    s.thresholds = [];
    delete s.comparison;
    expect(isRefused(s)).toBe(false);
    expect(runExitCode(s)).toBe(ExitCode.OK);
  });
  it('an interrupt wins over a refusal, a refusal over a failed threshold', () => {
    const s = refusedSummary();
    s.thresholds = [{ ok: false } as never];
    expect(runExitCode(s)).toBe(ExitCode.TARGET_REFUSED);
    s.run.partial = true;
    s.run.partialReason = 'interrupted';
    expect(runExitCode(s)).toBe(ExitCode.INTERRUPTED);
  });
});

describe('--duration shorter than the plan', () => {
  const base = {
    name: 't',
    seed: 1,
    target: { url: 'embedded' },
    fleet: { count: 10, versions: { f_version: { V1: 1 } } },
  };
  it('warns that the rest of the ramping-fleet stages is cut', () => {
    const s = scenarioSchema.parse({
      ...base,
      load: {
        model: 'ramping-fleet',
        stages: [
          { duration: '20s', target: 10 },
          { duration: '10s', target: 0 },
        ],
      },
    });
    expect(planCutWarnings(s, 12_000)).toEqual([
      '--duration 12s is shorter than the ramping-fleet stages (30s): the last 18s of the load plan is cut',
    ]);
    expect(planCutWarnings(s, 30_000)).toEqual([]);
  });
  it('names arrival-rate phases, the fleet boot window and rollout steps that never play', () => {
    const open = scenarioSchema.parse({
      ...base,
      load: { model: 'arrival-rate', phases: [{ duration: '1m', rate: 1 }] },
    });
    expect(planCutWarnings(open, 30_000)).toEqual([
      '--duration 30s is shorter than the arrival-rate phases (1m): the last 30s of the load plan is cut',
    ]);
    const fleet = scenarioSchema.parse({
      ...base,
      fleet: { ...base.fleet, boot: { over: '10s' } },
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2', size: '1KiB' }],
        steps: [{ at: '8s', batch: { name: 'b', package: 'fw', fromVersion: 'V1' } }],
      },
    });
    expect(planCutWarnings(fleet, 5000)).toEqual([
      '--duration 5s is shorter than the fleet boot window (fleet.boot.over) (10s): the last 5s of the load plan is cut',
      '--duration 5s ends the run before the rollout step at 8s: never played',
    ]);
  });
});
