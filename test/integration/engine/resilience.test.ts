import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import { startWatchedRun } from '../../helpers/run-watch.ts';
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
  it('killing the target mid-run gives classified connection errors and a complete summary', {
    timeout: 60_000,
  }, async () => {
    const { server, product } = await externalTarget(20);
    const s = scenario({
      target: { url: server.url },
      product: { id: product.id, accessKey: product.accessKey },
      fleet: { count: 20 },
      profiles: [{ name: 'p', pollInterval: '200ms', retry: { max: 1, baseDelay: '50ms' } }],
      stop: { duration: '40s' }, // a safety net: the test ends the run once it saw what it waits for
    });
    const run = startWatchedRun({ ...base, scenario: s });
    await run.until('more requests than devices succeeded', (v) => v.succeeded > 20);
    server.kill('SIGKILL');
    await server.exited;
    await run.until(
      'a connection to the killed target was refused',
      (v) => v.count('errors', { code: 'ERR_TRANSPORT_CONNECT_REFUSED' }) > 0,
    );
    run.stop();
    const { summary } = await run.result;
    expect(summary.run.partial).toBe(false);
    expect(summary.calls.check.count).toBeGreaterThan(20);
    const codes = summary.errors.map((e) => e.code);
    expect(codes).toContain('ERR_TRANSPORT_CONNECT_REFUSED');
    expect(summary.totals.failedRequests).toBeGreaterThan(0);
    expect(summary.totals.successRate).toBeLessThan(1);
    expect(summary.totals.successRate).toBeGreaterThan(0);
  });

  it('an aborted run (Ctrl-C) still returns a summary marked partial', { timeout: 60_000 }, async () => {
    const { server, product } = await externalTarget(10);
    try {
      const s = scenario({
        target: { url: server.url },
        product: { id: product.id, accessKey: product.accessKey },
        fleet: { count: 10 },
        profiles: [{ name: 'p', pollInterval: '200ms' }],
        stop: { duration: '60s' },
      });
      const run = startWatchedRun({ ...base, scenario: s });
      await run.until(
        'more check calls than devices',
        (v) => v.count('ota_requests', { call: 'check' }) > 10,
      );
      const abortedAt = Date.now();
      run.abort('interrupted');
      const { summary } = await run.result;
      // the abort ends the run within its grace, long before the scenario's 60 s
      expect(Date.now() - abortedAt).toBeLessThan(20_000);
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
  it('starts devices at the planned rate and counts starts beyond maxDevices as dropped', {
    timeout: 90_000,
  }, async () => {
    const { server, product } = await externalTarget(1000);
    try {
      const s = scenario({
        target: { url: server.url },
        product: { id: product.id, accessKey: product.accessKey },
        fleet: { count: 1000 },
        profiles: [{ name: 'slow', pollInterval: '1s', download: {} }],
        load: { model: 'arrival-rate', phases: [{ duration: '2s', rate: 100 }], maxDevices: 1000 },
        // the run ends by itself once the 2 s plan is played and its visits are over; 30 s is a safety net
        // (a run cut at a fixed 4 s misses starts when busy workers come up late)
        stop: { duration: '30s', whenSettled: false },
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
