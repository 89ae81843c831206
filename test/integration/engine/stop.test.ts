/**
 * The stop is bounded: with every check stalled by the target and a 30 s requestTimeout, a run that is
 * interrupted returns within the in-flight grace plus STOP_MARGIN_MS (and a little scheduling slack),
 * not when the stuck requests time out.
 */
import { describe, expect, it } from 'vitest';
import { runScenario, STOP_MARGIN_MS } from '../../../src/engine/run.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import { scenario, silentLog } from './helpers.ts';

const GRACE_MS = 1000;

describe('stopping a run whose requests are stuck', () => {
  it('returns within the grace and a margin of the stop, in shared connection mode', {
    timeout: 60_000,
  }, async () => {
    const server = await spawnOtaServer({});
    try {
      const admin = createAdminClient(server.url, server.adminToken);
      const product = await admin.createProduct({ id: 'stall' });
      await admin.createDevices('stall', { namePattern: 'dev-{index:06}', count: 20, returnDevices: false });
      await admin.setFaults({ check: { stallRate: 1 } });
      await admin.close();
      const s = scenario({
        target: { url: server.url },
        product: { id: product.id, accessKey: product.accessKey },
        fleet: { count: 20 },
        connections: { mode: 'shared', poolSize: 4 },
        profiles: [{ name: 'p', pollInterval: '200ms', requestTimeout: '30s' }],
        stop: { duration: '60s' },
      });
      const interrupt = new AbortController();
      let stoppedAt = 0;
      const { summary } = await runScenario({
        scenario: s,
        scenarioFile: 'stall.yaml',
        scenarioSource: 'name: stall',
        log: silentLog,
        workers: 1,
        graceMs: GRACE_MS,
        signal: interrupt.signal,
        observers: [
          {
            // once the devices are running (their checks stuck at the server), press Ctrl-C
            onSnapshot: ({ live }) => {
              if (live.devicesActive === 20 && stoppedAt === 0) {
                stoppedAt = Date.now();
                interrupt.abort('interrupted');
              }
            },
          },
        ],
      });
      const tookMs = Date.now() - stoppedAt;
      expect(stoppedAt).toBeGreaterThan(0);
      expect(summary.run).toMatchObject({ partial: true, partialReason: 'interrupted' });
      expect(tookMs).toBeLessThan(GRACE_MS + STOP_MARGIN_MS + 2000);
    } finally {
      await server.stop();
    }
  });
});
