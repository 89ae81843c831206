import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import { scenario, silentLog } from './helpers.ts';

const base = { scenarioFile: 'test.yaml', scenarioSource: 'name: test', log: silentLog, workers: 2 } as const;

/** A reference server in a child process with a product and its fleet, as an external target. */
async function externalTarget(count: number) {
  const server = await spawnOtaServer({});
  const admin = createAdminClient(server.url, server.adminToken);
  const product = await admin.createProduct({ id: 'ext' });
  await admin.createDevices('ext', { namePattern: 'dev-{index:06}', count, returnDevices: false });
  await admin.close();
  return { server, product };
}

describe('a misbehaving target is measured, never crashes the run', () => {
  it('killing the target mid-run gives classified connection errors and a complete summary', async () => {
    const { server, product } = await externalTarget(20);
    const s = scenario({
      target: { url: server.url },
      product: { id: product.id, accessKey: product.accessKey },
      fleet: { count: 20 },
      profiles: [{ name: 'p', pollInterval: '200ms', retry: { max: 1, baseDelay: '50ms' } }],
      stop: { duration: '3s' },
    });
    setTimeout(() => server.kill('SIGKILL'), 1200);
    const { summary } = await runScenario({ ...base, scenario: s });
    await server.exited;
    expect(summary.run.partial).toBe(false);
    expect(summary.calls.check.count).toBeGreaterThan(20);
    const codes = summary.errors.map((e) => e.code);
    expect(codes).toContain('ERR_TRANSPORT_CONNECT_REFUSED');
    expect(summary.totals.failedRequests).toBeGreaterThan(0);
    expect(summary.totals.successRate).toBeLessThan(1);
    expect(summary.totals.successRate).toBeGreaterThan(0);
  });

  it('an aborted run (Ctrl-C) still returns a summary marked partial', async () => {
    const { server, product } = await externalTarget(10);
    try {
      const s = scenario({
        target: { url: server.url },
        product: { id: product.id, accessKey: product.accessKey },
        fleet: { count: 10 },
        profiles: [{ name: 'p', pollInterval: '200ms' }],
        stop: { duration: '60s' },
      });
      const ac = new AbortController();
      setTimeout(() => ac.abort('interrupted'), 1500);
      const t0 = Date.now();
      const { summary } = await runScenario({ ...base, scenario: s, signal: ac.signal });
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(summary.run.partial).toBe(true);
      expect(summary.run.partialReason).toBe('interrupted');
      expect(summary.calls.check.count).toBeGreaterThan(10);
      expect(summary.totals.failedRequests).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('an unreachable target is refused before any device starts', async () => {
    const s = scenario({
      target: { url: 'http://127.0.0.1:1' },
      product: { id: 'x', accessKey: 'AAAA' },
      fleet: { count: 1 },
    });
    await expect(runScenario({ ...base, scenario: s })).rejects.toMatchObject({
      code: 'ERR_TARGET_UNREACHABLE',
    });
  });

  it('a fleet that cannot fit the open-files limit is refused with ERR_FD_LIMIT', async () => {
    const s = scenario({ fleet: { count: 50_000 }, stop: { duration: '1s' } });
    await expect(runScenario({ ...base, scenario: s })).rejects.toMatchObject({ code: 'ERR_FD_LIMIT' });
  });
});

describe('open arrival-rate model', () => {
  it('starts devices at the planned rate and counts starts beyond maxDevices as dropped', async () => {
    const { server, product } = await externalTarget(1000);
    try {
      const s = scenario({
        target: { url: server.url },
        product: { id: product.id, accessKey: product.accessKey },
        fleet: { count: 1000 },
        profiles: [{ name: 'slow', pollInterval: '1s', download: {} }],
        load: { model: 'arrival-rate', phases: [{ duration: '2s', rate: 100 }], maxDevices: 1000 },
        stop: { duration: '4s', whenSettled: false },
      });
      const { summary } = await runScenario({ ...base, scenario: s });
      const d = summary.totals.devices;
      expect(d.booted + d.startsDropped).toBeGreaterThanOrEqual(195);
      expect(d.booted + d.startsDropped).toBeLessThanOrEqual(200);
      expect(d.startsDropped).toBe(0);
      expect(summary.calls.check.count).toBe(d.booted);

      const capped = { ...s, load: { ...s.load, maxDevices: 2 } } as typeof s;
      const second = await runScenario({ ...base, scenario: capped });
      expect(second.summary.totals.devices.startsDropped).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });
});
