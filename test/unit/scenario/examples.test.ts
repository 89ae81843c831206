import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadScenario } from '../../../src/scenario/load.ts';
import type { Scenario } from '../../../src/scenario/schema.ts';

const ENV = { OTA_PRODUCT_ID: '238322', OTA_ACCESS_KEY: 'DR883k7np7iYavEtpHeArHV86tUTEwKdNkC6gdee78I=' };

async function example(name: string): Promise<Scenario> {
  const loaded = await loadScenario(`scenarios/${name}`, { env: ENV });
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join('\n'));
  expect(loaded.warnings.map(formatProblem)).toEqual([]);
  return loaded.scenario;
}

describe('every example scenario', () => {
  const names = readdirSync('scenarios').filter((n) => n.endsWith('.yaml'));
  it('is one of the nine documented ones', () => {
    expect(names.sort()).toEqual([
      'capacity.yaml',
      'ci-gate.yaml',
      'external-target.yaml',
      'flaky-network.yaml',
      'poll-storm-10k.yaml',
      'push-rollout.yaml',
      'quickstart.yaml',
      'ramping-fleet.yaml',
      'staged-rollout.yaml',
    ]);
  });
  for (const name of names) {
    it(`${name} points editors at the schema and is valid without warnings`, async () => {
      expect(readFileSync(`scenarios/${name}`, 'utf8').split('\n')[0]).toBe(
        '# yaml-language-server: $schema=../scenario.schema.json',
      );
      await example(name);
    });
  }
});

describe('example scenarios keep the shape other tests rely on', () => {
  it('quickstart: ~200 devices, a healthy and a small flaky profile, one 256 KiB batch at 2s, settled or 45s', async () => {
    const s = await example('quickstart.yaml');
    expect(s.target.url).toBe('embedded');
    expect(s.fleet.count).toBe(200);
    expect(s.profiles.map((p) => [p.name, p.weight])).toEqual([
      ['healthy', 95],
      ['flaky', 5],
    ]);
    expect(s.profiles.every((p) => p.pollInterval <= 5000)).toBe(true);
    expect(s.rollout!.packages.map((p) => p.size)).toEqual([256 * 1024]);
    expect(s.rollout!.steps).toHaveLength(1);
    expect(s.rollout!.steps[0]!.at).toBe(2000);
    expect(s.stop).toEqual({ duration: 45_000, whenSettled: true });
  });

  it('staged-rollout: verification device, a listed 10% canary, the rest, then a cancelled third batch', async () => {
    const s = await example('staged-rollout.yaml');
    const steps = s.rollout!.steps;
    expect(s.rollout!.verification).toEqual({ device: 'dev-000001' });
    const [canary, rest, third, cancel] = steps;
    expect(canary && 'batch' in canary && canary.batch.devices?.length).toBe(s.fleet.count / 10);
    expect(rest && 'batch' in rest && rest.batch.devices).toBeUndefined();
    expect(third && 'batch' in third && third.batch.name).toBe('mcu');
    expect(cancel && 'cancel' in cancel && cancel.cancel.batch).toBe('mcu');
    expect(cancel!.at).toBeGreaterThan(third!.at);
  });

  it('flaky-network: every download fault, chunked downloads that resume', async () => {
    const s = await example('flaky-network.yaml');
    const faults = (k: keyof Scenario['profiles'][number]['faults']) =>
      s.profiles.some((p) => p.faults[k] > 0);
    expect(
      ['abortDownload', 'stall', 'reboot', 'md5Mismatch', 'lowBattery'].every((k) => faults(k as 'stall')),
    ).toBe(true);
    expect(s.profiles.filter((p) => p.download.chunkSize > 0).length).toBeGreaterThanOrEqual(2);
  });

  it('capacity: open arrival-rate with ramps and maxDevices over a shared pool', async () => {
    const s = await example('capacity.yaml');
    expect(s.load.model).toBe('arrival-rate');
    if (s.load.model !== 'arrival-rate') return;
    expect(s.load.phases.some((p) => p.rampTo !== undefined)).toBe(true);
    expect(s.load.maxDevices).toBe(5000);
    expect(s.connections.mode).toBe('shared');
  });

  it('poll-storm-10k: 10,000 devices on their own connections, no rollout, a short run', async () => {
    const s = await example('poll-storm-10k.yaml');
    expect([s.fleet.count, s.connections.mode, s.rollout, s.stop.duration]).toEqual([
      10_000,
      'per-device',
      undefined,
      30_000,
    ]);
  });

  it('external-target: a URL target whose product comes from the environment', async () => {
    const s = await example('external-target.yaml');
    expect(s.target.url).toBe('http://127.0.0.1:8080');
    expect(s.product).toMatchObject({
      id: ENV.OTA_PRODUCT_ID,
      accessKey: ENV.OTA_ACCESS_KEY,
      tokenLevel: 'product',
    });
    expect(s.rollout).toBeUndefined();
  });

  it('external-target without its access key names it at its line and column (the product id defaults to demo)', async () => {
    const loaded = await loadScenario('scenarios/external-target.yaml', { env: {} });
    expect(loaded.ok ? [] : loaded.problems.map(formatProblem)).toEqual([
      'scenarios/external-target.yaml:16:14 product.accessKey: environment variable OTA_ACCESS_KEY is not set (or write ${OTA_ACCESS_KEY:-default})',
    ]);
  });
});
