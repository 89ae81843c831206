/**
 * The CI gate against real reference servers: a healthy one and one slowed by the server's latency
 * fault (+40 ms on every call), both external URL targets. Two healthy runs pass the comparison
 * under the committed ci-gate policy; a run against the slowed server fails it and its thresholds,
 * and abortOnFail stops a slowed run early. Runs are 20 devices for 3 s.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createThresholdAbort } from '../../../src/compare/abort.ts';
import { compareSummaries } from '../../../src/compare/compare.ts';
import { applyThresholds, judgeGate, scenarioThresholds } from '../../../src/compare/gate.ts';
import { renderJUnit } from '../../../src/compare/junit.ts';
import { parsePolicyText } from '../../../src/compare/policy.ts';
import { renderComparisonText } from '../../../src/compare/render.ts';
import { runScenario } from '../../../src/engine/run.ts';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import { type Scenario, scenarioSchema } from '../../../src/scenario/schema.ts';
import { type SpawnedOtaServer, spawnOtaServer } from '../../../src/server/child.ts';
import { findAll, parseXml } from '../../unit/compare/xml.ts';

const log = pino({ level: 'silent' });
const POLICY_FILE = join(import.meta.dirname, '../../../reports/baselines/ci-gate/policy.yaml');
const policy = parsePolicyText(readFileSync(POLICY_FILE, 'utf8'), POLICY_FILE);
const THRESHOLDS = { ota_check_duration: ['p(50) < 20ms'], success_rate: ['> 99%'] };
const SOURCE = 'name: gate-it\n# the same text for every run, so the sha256 matches\n';

let healthy: SpawnedOtaServer;
let slow: SpawnedOtaServer;

function scenario(server: SpawnedOtaServer, extra: Record<string, unknown> = {}): Scenario {
  return scenarioSchema.parse({
    name: 'gate-it',
    seed: 3,
    target: { url: server.url },
    product: { id: server.demo!.productId, accessKey: server.demo!.accessKey },
    fleet: { count: 20, namePattern: 'dev-{index:03}', boot: { over: '1s' } },
    profiles: [{ name: 'default', pollInterval: '200ms' }],
    stop: { duration: '3s', whenSettled: false },
    thresholds: THRESHOLDS,
    ...extra,
  });
}

async function run(s: Scenario, abortGraceMs?: number): Promise<RunSummary> {
  const thresholds = scenarioThresholds(s.thresholds);
  const abort =
    abortGraceMs === undefined ? undefined : createThresholdAbort(thresholds, { graceMs: abortGraceMs });
  const { summary } = await runScenario({
    scenario: s,
    scenarioFile: 'gate-it.yaml',
    scenarioSource: SOURCE,
    workers: 1,
    log,
    ...(abort ? { observers: [abort] } : {}),
  });
  applyThresholds(summary, thresholds, abort?.cause());
  return summary;
}

beforeAll(async () => {
  [healthy, slow] = await Promise.all([
    spawnOtaServer({ seedDemo: true }),
    spawnOtaServer({ seedDemo: true, faults: { '*': { latencyMs: 40 } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([healthy?.stop(), slow?.stop()]);
});

describe('compare against real servers', () => {
  let baseline: RunSummary;

  it('a healthy run passes its thresholds', { timeout: 30_000 }, async () => {
    baseline = await run(scenario(healthy));
    expect(baseline.run.partial).toBe(false);
    expect(baseline.calls.check.count).toBeGreaterThan(100);
    expect(baseline.thresholds?.map((t) => [t.expression, t.ok])).toEqual([
      ['p(50) < 20ms', true],
      ['> 99%', true],
    ]);
    expect(judgeGate(baseline)).toEqual({ thresholdsFailed: false, regressed: false });
  });

  it('a second healthy run does not regress against the first', { timeout: 30_000 }, async () => {
    const again = await run(scenario(healthy));
    const c = compareSummaries(baseline, again, { policy, baselineLabel: 'first healthy run' });
    expect(
      c.items.filter((i) => !i.ok),
      renderComparisonText(c, { scenario: 'gate-it', current: 'second' }),
    ).toEqual([]);
    expect(c.warnings).toBeUndefined();
  });

  it('a run against the slowed server fails its thresholds and regresses, with a readable table and JUnit', {
    timeout: 30_000,
  }, async () => {
    const slowed = await run(scenario(slow));
    expect(slowed.thresholds?.[0]).toMatchObject({ expression: 'p(50) < 20ms', ok: false });
    expect(slowed.thresholds?.[0]?.observed).toBeGreaterThan(40);
    const c = compareSummaries(baseline, slowed, { policy, baselineLabel: 'healthy' });
    slowed.comparison = c;
    expect(judgeGate(slowed)).toEqual({ thresholdsFailed: true, regressed: true });
    const regressed = c.items.filter((i) => i.status === 'regressed').map((i) => i.metric);
    expect(regressed).toEqual(expect.arrayContaining(['check.p50', 'rps']));
    const text = renderComparisonText(c, { scenario: 'gate-it', current: 'slowed' });
    expect(text).toMatch(/^ {2}REGRESSED +check\.p50 +\S+ +4\d\.\d+ms +\+\d+/m);
    expect(text.split('\n').at(-1)).toMatch(
      /^VERDICT {2}REGRESSED · \d+ of \d+ checks regressed \(.*check\.p50/,
    );
    const xml = parseXml(
      renderJUnit({ scenario: 'gate-it', startedAt: slowed.run.startedAt, comparison: c }),
    );
    const failures = findAll(xml, 'failure').map((f) => f.attrs.message ?? '');
    expect(failures.length).toBe(regressed.length);
    expect(failures.find((m) => m.startsWith('check.p50 regressed'))).toMatch(/more than the .* allowed/);
  });

  it('abortOnFail stops a slowed run after the grace and says which threshold did it', {
    timeout: 30_000,
  }, async () => {
    const s = scenario(slow, { stop: { duration: '20s', whenSettled: false } });
    const summary = await run(s, 1000);
    expect(summary.run).toMatchObject({ partial: true, partialReason: 'aborted-by-threshold' });
    expect(summary.run.durationMs).toBeLessThan(8000);
    expect(summary.thresholds?.[0]).toMatchObject({
      expression: 'p(50) < 20ms',
      ok: false,
      abortedRun: true,
    });
    expect(summary.notes.at(-1)).toMatch(
      /^abortOnFail: the run was stopped after \d+\.\ds because threshold ota_check_duration: p\(50\) < 20ms failed \(observed 4\d\.\d+ms\)$/,
    );
    expect(judgeGate(summary).thresholdsFailed).toBe(true);
  });
});
