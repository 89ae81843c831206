/**
 * Tokens are renewed before their `et`: a run three times longer than tokenTtl against the reference
 * server gets no "token expired" (errno 12), with product- and device-level tokens.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import { scenario, silentLog } from '../engine/helpers.ts';

describe('token renewal', () => {
  it('a run longer than tokenTtl never sends an expired token (product and device level)', async () => {
    const server = await spawnOtaServer({});
    try {
      const admin = createAdminClient(server.url, server.adminToken);
      const product = await admin.createProduct({ id: 'tok' });
      const created = await admin.createDevices('tok', { namePattern: 'dev-{index:06}', count: 4 });
      await admin.close();
      const deviceKeys = Object.fromEntries(created.devices.map((d) => [d.name, d.key]));
      for (const tokenLevel of ['product', 'device'] as const) {
        const s = scenario({
          target: { url: server.url },
          product: { id: product.id, accessKey: product.accessKey, tokenLevel, tokenTtl: '2s' },
          fleet: { count: 4 },
          profiles: [{ name: 'p', pollInterval: '200ms', retry: { max: 0 } }],
          stop: { duration: '6s' },
        });
        const { summary } = await runScenario({
          scenario: s,
          scenarioFile: 't.yaml',
          scenarioSource: '',
          log: silentLog,
          workers: 1,
          deviceKeys,
        });
        const expired = summary.errors
          .filter((e) => e.detail.includes('12'))
          .reduce((a, e) => a + e.count, 0);
        expect(expired, `${tokenLevel}: ${JSON.stringify(summary.errors)}`).toBe(0);
        // the run went on past several token lifetimes
        expect(summary.calls.check.count, tokenLevel).toBeGreaterThan(20);
        expect(summary.calls.check.failed, tokenLevel).toBe(0);
      }
    } finally {
      await server.stop();
    }
  });
});
