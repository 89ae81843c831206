/**
 * The merge of two half-fleet shards against one full run of the same scenario and seed: real
 * embedded servers, real workers and undici. Counts that do not depend on timing must be equal;
 * percentiles are compared within a tolerance, and exactly against the shards' own histograms.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReportMerge } from '../../../src/cli/report.ts';
import { runScenario } from '../../../src/engine/run.ts';
import { mergeEncodedHistograms, summarizeHistogram } from '../../../src/metrics/snapshot.ts';
import { mergeSummaries } from '../../../src/report/merge.ts';
import type { RunSummary } from '../../../src/report/summary.ts';
import { writeReport } from '../../../src/report/write.ts';
import { startWatchedRun } from '../../helpers/run-watch.ts';
import { SMALL_ROLLOUT, scenarioOf, silentLog } from './helpers.ts';

const DETERMINISTIC_CALLS = ['report-version', 'download', 'report-status'] as const;

let whole: RunSummary;
let shards: RunSummary[];
let merged: RunSummary;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'ota-fleet-merge-'));
  // 60 s is a safety net: the whole run ends when its rollout settles, each shard once its 10 devices
  // upgraded (a shard's server targets all 20 devices, so it never settles)
  const s = scenarioOf({ ...SMALL_ROLLOUT, stop: { duration: '60s', whenSettled: true } });
  const base = {
    scenario: s,
    scenarioFile: 'merge-small.yaml',
    scenarioSource: 'name: merge-small\n',
    log: silentLog,
    workers: 1,
  };
  const shard = (index: number) => {
    const run = startWatchedRun({ ...base, shard: { index, count: 2 } });
    void run
      .until('its 10 devices upgraded', (v) => v.live.upgraded >= 10)
      .then(
        () => run.stop('shard upgraded'),
        () => {}, // the run ended first: the assertions say what is missing
      );
    return run.result;
  };
  // the three runs at once: each has its own embedded server, and the wall time stays that of one
  const runs = await Promise.all([runScenario(base), shard(1), shard(2)]);
  whole = runs[0]!.summary;
  shards = runs.slice(1).map((r) => r.summary);
  merged = mergeSummaries(shards);
}, 90_000);

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('two half-fleet shards merged, against one full run of the same seed', () => {
  it('ran as two disjoint halves', () => {
    expect(whole.run.partial).toBe(false);
    expect(shards.map((s) => [s.run.shard, s.run.devices, s.run.partial])).toEqual([
      [{ index: 1, count: 2 }, 10, false],
      [{ index: 2, count: 2 }, 10, false],
    ]);
    // each shard's own embedded server is seeded with the whole fleet, so its batch targets all 20
    // devices; the merge counts that once (docs/report.md, "Merging runs")
    expect(shards.map((s) => s.rollout?.targeted)).toEqual([20, 20]);
  });

  it('has the same devices and the same counts of the calls that do not depend on timing', () => {
    expect(merged.run.devices).toBe(whole.run.devices);
    expect(merged.run.shard).toEqual({ index: 1, count: 1 });
    for (const call of DETERMINISTIC_CALLS) {
      expect(merged.calls[call]!.count, call).toBe(whole.calls[call]!.count);
      expect(merged.calls[call]!.count, call).toBeGreaterThan(0);
    }
    expect(merged.calls.download!.count).toBe(20 * 4);
    expect(merged.totals.bytes).toBe(whole.totals.bytes);
    expect(merged.totals.failedRequests).toBe(0);
    const { booted, withTask, upgraded, failed, cancelled } = whole.totals.devices;
    expect(merged.totals.devices).toMatchObject({ booted, withTask, upgraded, failed, cancelled });
    expect(merged.totals.requests).toBe(merged.counters['ota_requests{call=check}']! + 220);
  });

  it('has the same rollout: one fleet of 20 targeted devices, all upgraded', () => {
    const r = merged.rollout!;
    const w = whole.rollout!;
    expect(r).toMatchObject({ targeted: w.targeted, upgraded: w.upgraded, pending: 0, upgradedFraction: 1 });
    expect(r.byStartVersion).toEqual(w.byStartVersion);
    expect(r.byProfile).toEqual(w.byProfile);
    expect(r.convergence.at(-1)?.upgraded).toBe(20);
    expect(Math.abs(r.timeTo.p50! - w.timeTo.p50!)).toBeLessThanOrEqual(1000);
    expect(Math.abs(r.timeTo.p90! - w.timeTo.p90!)).toBeLessThanOrEqual(1000);
  });

  it('has percentiles close to the full run’s, and exactly those of the shards’ histograms added', () => {
    const up = 'device_upgrade_duration';
    // two separate runs on a shared machine: close, not equal (the exact part is the histogram sum below)
    const near = (a: number, b: number) => expect(Math.abs(a - b) / b, `${a} vs ${b}`).toBeLessThan(0.5);
    near(merged.durations[up]!.p50, whole.durations[up]!.p50);
    near(merged.durations[up]!.p90, whole.durations[up]!.p90);
    const added = (key: string) =>
      summarizeHistogram(mergeEncodedHistograms(shards.flatMap((s) => s.histograms[key] ?? [])));
    expect(merged.durations[up]).toEqual(added(up));
    expect(merged.durations[up]!.count).toBe(20);
    expect(merged.calls.check!.latency).toEqual(added('ota_check_duration'));
    expect(merged.calls.download!.latencyByOutcome.ok).toEqual(added('ota_download_duration{outcome=ok}'));
    expect(merged.calls.check!.count).toBe(shards[0]!.calls.check!.count + shards[1]!.calls.check!.count);
  });

  it('`ota-fleet report merge` of the two report folders writes the same merged run', async () => {
    const dirs = await Promise.all(shards.map((s, i) => writeReport(s, join(tmp, `shard-${i + 1}`))));
    const out = join(tmp, 'merged');
    const result = await runReportMerge({ inputs: dirs.map((d) => d.dir), out });
    expect(result.summary.calls).toEqual(merged.calls);
    expect(result.summary.rollout).toEqual(merged.rollout);
    expect(result.summary.timeseries).toEqual(merged.timeseries);
    const onDisk = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as RunSummary;
    expect(onDisk.totals).toEqual(merged.totals);
    expect(await readFile(join(out, 'report.txt'), 'utf8')).toContain('upgraded 20/20 (100.0%)');
    expect(await readFile(join(out, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    expect(result.text).toContain('Merged from 2 runs (shard 1/2, shard 2/2).');
  });
});
