import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { assignFleetVersions } from '../../../src/ota/fleet-versions.ts';
import { scenario, silentLog } from './helpers.ts';

const run = (s: ReturnType<typeof scenario>, extra: Partial<Parameters<typeof runScenario>[0]> = {}) =>
  runScenario({
    scenario: s,
    scenarioFile: 'test.yaml',
    scenarioSource: 'name: test',
    log: silentLog,
    workers: 2,
    ...extra,
  });

describe('a rollout on the embedded server, real workers and undici', () => {
  it('upgrades every targeted device, settles early and reports convergence', {
    timeout: 90_000,
  }, async () => {
    const s = scenario({
      fleet: { count: 40, versions: { f_version: { 'V1.0': 3, 'V0.9': 1 } }, boot: { over: '500ms' } },
      profiles: [
        { name: 'steady', pollInterval: '500ms', installTime: '100ms', download: { chunkSize: '16KiB' } },
      ],
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2.0', size: '64KiB' }],
        steps: [{ at: '500ms', batch: { name: 'all-v1', package: 'fw', fromVersion: 'V1.0' } }],
      },
      stop: { duration: '60s' }, // a safety net: the run ends when the rollout settles
    });
    const onV1 = Array.from({ length: 40 }, (_, i) =>
      assignFleetVersions(s.fleet.versions, i + 1, s.seed),
    ).filter((v) => v.f_version === 'V1.0').length;
    expect(onV1).toBeGreaterThanOrEqual(29);
    expect(onV1).toBeLessThanOrEqual(31);
    const { summary } = await run(s);
    const r = summary.rollout!;
    expect(summary.run.partial).toBe(false);
    expect(summary.run.endReason).toBe('settled');
    expect(summary.run.durationMs).toBeLessThan(s.stop.duration);
    expect(r.targeted).toBe(onV1);
    expect(r.upgraded).toBe(onV1);
    expect(r.byStartVersion['V1.0']?.upgraded).toBe(onV1);
    expect(r.byStartVersion['V0.9']).toBeUndefined();
    expect(r.batches[0]).toMatchObject({ name: 'all-v1', status: 'completed', targeted: onV1 });
    expect(r.timeTo.p50).toBeGreaterThan(0);
    expect(r.timeTo.p90).toBeGreaterThanOrEqual(r.timeTo.p50!);
    expect(r.convergence.at(-1)?.upgraded).toBe(onV1);
    expect(summary.totals.failedRequests).toBe(0);
    expect(summary.calls.download.count).toBe(onV1 * 4);
    expect(summary.totals.bytes).toBe(onV1 * 64 * 1024);
    expect(summary.calls.check.latency.p99).toBeGreaterThan(0);
  });

  it('a cancelled batch stops its devices mid-download and is reported as cancelled', async () => {
    const s = scenario({
      fleet: { count: 20, versions: { f_version: { 'V1.0': 1 } } },
      profiles: [
        {
          name: 'slow-link',
          pollInterval: '300ms',
          installTime: '100ms',
          // 32 s per download: the cancel at 5 s finds every device mid-download even on a busy machine
          download: { chunkSize: '8KiB', bandwidth: '8KiB' },
        },
      ],
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2.0', size: '256KiB' }],
        steps: [
          { at: '200ms', batch: { name: 'b', package: 'fw', fromVersion: 'V1.0' } },
          { at: '5s', cancel: { batch: 'b' } },
        ],
      },
      stop: { duration: '20s' },
    });
    const { summary } = await run(s);
    const r = summary.rollout!;
    expect(r.batches[0]?.status).toBe('cancelled');
    expect(r.cancelled).toBe(20);
    expect(r.upgraded).toBe(0);
    expect(summary.totals.failedRequests).toBe(0);
    expect(summary.run.endReason).toBe('settled');
  });

  it('faults drawn by the profile show up as resumes and 205 failures', async () => {
    const s = scenario({
      fleet: { count: 20, versions: { f_version: { 'V1.0': 1 } } },
      profiles: [
        {
          name: 'flaky',
          weight: 1,
          pollInterval: '300ms',
          installTime: '50ms',
          faults: { abortDownload: 1 },
        },
        {
          name: 'corrupt',
          weight: 1,
          pollInterval: '300ms',
          installTime: '50ms',
          faults: { md5Mismatch: 1 },
        },
      ],
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2.0', size: '128KiB' }],
        steps: [{ at: '200ms', batch: { name: 'b', package: 'fw', fromVersion: 'V1.0' } }],
      },
      stop: { duration: '20s' },
    });
    const { summary } = await run(s);
    const r = summary.rollout!;
    const flaky = r.byProfile.flaky!;
    const corrupt = r.byProfile.corrupt!;
    expect(flaky.upgraded + corrupt.failed).toBe(20);
    expect(flaky.upgraded).toBeGreaterThan(0);
    expect(summary.totals.downloadResumes).toBe(flaky.upgraded);
    expect(corrupt.upgraded).toBe(0);
    expect(r.failedBySteps['205']).toBe(corrupt.failed);
  });

  it("a device's second check is timed from the end of the first module's upgrade, not from the poll", async () => {
    const s = scenario({
      fleet: {
        count: 10,
        modules: ['fota', 'sota'],
        versions: { f_version: { 'V1.0': 1 }, s_version: { 'S1.0': 1 } },
      },
      profiles: [{ name: 'slow-install', pollInterval: '300ms', installTime: '3s' }],
      rollout: {
        packages: [{ name: 'fw', module: 'fota', targetVersion: 'V2.0', size: '16KiB' }],
        steps: [{ at: '100ms', batch: { name: 'b', package: 'fw', fromVersion: 'V1.0' } }],
      },
      stop: { duration: '20s' },
    });
    const { summary } = await run(s);
    expect(summary.rollout!.upgraded).toBe(10);
    // every sota check right after a 3 s install would read ≥ 3 s if timed from the poll
    expect(summary.calls.check.latency.max).toBeLessThan(2_500_000);
  });
});
