/**
 * Every example scenario in scenarios/ runs, with its clock compressed (every duration × 0.1, bandwidth
 * × 10) and big fleets scaled down, against a real embedded server (or a spawned one for URL targets).
 *
 * A compressed run is bounded by events, not by the wall clock: a busy machine may bring the workers up
 * later than the compressed stop (0.8 s for ci-gate). A scenario that stops when settled ends when its
 * rollout settles; an arrival-rate one ends when its plan is played and its visits are over; any other
 * one plays for its compressed duration counted from its first request and until what the test checks
 * was seen (a check call, a device upgraded). The scenario's stop duration becomes a safety net.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../../src/scenario/load.ts';
import type { Scenario } from '../../../src/scenario/schema.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { type SpawnedOtaServer, spawnOtaServer } from '../../../src/server/child.ts';
import { type RunView, startWatchedRun } from '../../helpers/run-watch.ts';
import { silentLog } from './helpers.ts';

const DIR = join(import.meta.dirname, '../../../scenarios');
const FACTOR = 0.1;
const MAX_DEVICES = 2000;
const SAFETY_MS = 50_000;

/** Compresses every duration of a scenario by FACTOR (bandwidth grows to match) and caps the fleet. */
function compress(s: Scenario): Scenario {
  const t = (ms: number) => Math.max(1, Math.round(ms * FACTOR));
  const c: Scenario = structuredClone(s);
  c.fleet.count = Math.min(c.fleet.count, MAX_DEVICES);
  c.fleet.boot.over = t(c.fleet.boot.over);
  for (const p of c.profiles) {
    p.pollInterval = t(p.pollInterval);
    p.installTime = t(p.installTime);
    p.faults.stallTime = t(p.faults.stallTime);
    p.retry.baseDelay = t(p.retry.baseDelay);
    p.retry.maxDelay = t(p.retry.maxDelay);
    if (p.download.bandwidth) p.download.bandwidth = Math.round(p.download.bandwidth / FACTOR);
  }
  if (c.load.model === 'arrival-rate') for (const ph of c.load.phases) ph.duration = t(ph.duration);
  for (const step of c.rollout?.steps ?? []) {
    step.at = t(step.at);
    if ('batch' in step) {
      if (step.batch.startAt !== undefined) step.batch.startAt = t(step.batch.startAt);
      step.batch.timeout = t(step.batch.timeout);
      if (step.batch.retry) step.batch.retry.interval = t(step.batch.retry.interval);
    }
  }
  c.stop.duration = Math.max(t(c.stop.duration), SAFETY_MS);
  return c;
}

/** True when a run of `s` ends by an event of its own: its rollout settled, or its arrival plan was played. */
function endsByItself(s: Scenario): boolean {
  return s.stop.whenSettled || s.load.model === 'arrival-rate';
}

/** What a compressed fleet run of `s` must have shown before the test ends it. */
function goalReached(s: Scenario, v: RunView): boolean {
  if (v.count('ota_requests', { call: 'check' }) === 0) return false;
  return !s.rollout || v.live.upgraded > 0;
}

const files = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f));
let external: SpawnedOtaServer;
let env: Record<string, string>;

beforeAll(async () => {
  external = await spawnOtaServer({});
  const admin = createAdminClient(external.url, external.adminToken);
  const product = await admin.createProduct({ id: 'examples' });
  await admin.createDevices('examples', {
    namePattern: 'dev-{index:06}',
    count: MAX_DEVICES,
    returnDevices: false,
  });
  // external-target.yaml names its devices like the demo product of `ota-fleet serve`
  await admin.createDevices('examples', { namePattern: 'dev-{index:03}', count: 100, returnDevices: false });
  await admin.close();
  env = { ...process.env, OTA_PRODUCT_ID: product.id, OTA_ACCESS_KEY: product.accessKey } as Record<
    string,
    string
  >;
});
afterAll(async () => {
  await external?.stop();
});

describe('example scenarios run (time compressed)', () => {
  it('there are examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(6);
  });
  for (const file of files) {
    it(`${file}`, { timeout: 90_000 }, async () => {
      const loaded = await loadScenario(join(DIR, file), { env });
      if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
      const s = compress(loaded.scenario);
      if (s.target.url !== 'embedded') s.target.url = external.url;
      const run = startWatchedRun({
        scenario: s,
        scenarioFile: file,
        scenarioSource: loaded.source,
        log: silentLog,
        workers: 2,
      });
      if (!endsByItself(s)) {
        const playSec = Math.round(loaded.scenario.stop.duration * FACTOR) / 1000;
        const first = await run.until('the first request', (v) => v.live.requests > 0);
        const from = first.live.elapsedSec;
        await run.until(`${playSec}s of traffic and the checked figures`, (v) => {
          return v.live.elapsedSec - from >= playSec && goalReached(s, v);
        });
        run.stop('played');
      }
      const { summary } = await run.result;
      expect(summary.run.partial, summary.notes.join('\n')).toBe(false);
      expect(summary.calls.check.count).toBeGreaterThan(0);
      expect(summary.errors.filter((e) => e.code.startsWith('ERR_TRANSPORT'))).toEqual([]);
      if (s.rollout) {
        expect(summary.rollout?.targeted).toBeGreaterThan(0);
        expect(summary.rollout?.upgraded).toBeGreaterThan(0);
      }
      if (file.startsWith('staged-rollout')) {
        const byName = Object.fromEntries(summary.rollout!.batches.map((b) => [b.name, b.status]));
        expect(byName.canary).toBe('completed');
        expect(byName.mcu).toBe('cancelled');
      }
      if (file.startsWith('flaky-network')) {
        expect(summary.totals.downloadResumes).toBeGreaterThan(0);
        expect(Object.keys(summary.rollout!.failedBySteps).length).toBeGreaterThan(0);
      }
      if (s.load.model === 'arrival-rate') expect(summary.totals.devices.booted).toBeGreaterThan(10);
    });
  }
});
