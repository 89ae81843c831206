/**
 * Every example scenario in scenarios/ runs, with its clock compressed (every duration × 0.1, bandwidth
 * × 10) and big fleets scaled down, against a real embedded server (or a spawned one for URL targets).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { loadScenario } from '../../../src/scenario/load.ts';
import type { Scenario } from '../../../src/scenario/schema.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { type SpawnedOtaServer, spawnOtaServer } from '../../../src/server/child.ts';
import { silentLog } from './helpers.ts';

const DIR = join(import.meta.dirname, '../../../scenarios');
const FACTOR = 0.1;
const MAX_DEVICES = 2000;

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
  c.stop.duration = t(c.stop.duration);
  return c;
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
    it(`${file}`, { timeout: 60_000 }, async () => {
      const loaded = await loadScenario(join(DIR, file), { env });
      if (!loaded.ok) throw new Error(loaded.problems.map((p) => p.message).join('\n'));
      const s = compress(loaded.scenario);
      if (s.target.url !== 'embedded') s.target.url = external.url;
      const { summary } = await runScenario({
        scenario: s,
        scenarioFile: file,
        scenarioSource: loaded.source,
        log: silentLog,
        workers: 2,
      });
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
