/**
 * The stop never waits for stuck requests, and every request sent is in the report: against a target
 * that stalls every check, a run with requestTimeout 30 s ends within ~2 s of its duration and its
 * summary counts each stalled check as cut by the stop.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { scenario, silentLog } from '../engine/helpers.ts';
import { cutCount, startFakeTarget } from './helpers.ts';

const ok = encodeEnvelope('studio', 0);

describe('the stop with stuck requests', () => {
  for (const mode of ['shared', 'per-device'] as const) {
    it(`${mode}: a run whose every check stalls ends within ~2 s of its duration and counts the cut checks`, async () => {
      const target = await startFakeTarget((_req, res, call) => {
        if (call === 'check') return; // never answered
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(ok) });
        res.end(ok);
      });
      try {
        const s = scenario({
          target: { url: target.url },
          product: { id: 'p1' },
          fleet: { count: 6 },
          connections: { mode, poolSize: 6 },
          profiles: [{ name: 'p', pollInterval: '200ms', requestTimeout: '30s' }],
          stop: { duration: '1500ms' },
        });
        const t0 = Date.now();
        const { summary } = await runScenario({
          scenario: s,
          scenarioFile: 't.yaml',
          scenarioSource: '',
          log: silentLog,
          workers: 1,
        });
        const wall = Date.now() - t0;
        expect(summary.run.durationMs).toBeLessThan(1500 + 2000);
        expect(wall).toBeLessThan(1500 + 6000); // worker start-up included, on a busy machine
        // each device sent one check, which never came back: all six are in the report, as cut
        expect(target.received.check).toBe(6);
        expect(cutCount(summary, 'check')).toBe(6);
        expect(summary.calls.check.count).toBeGreaterThanOrEqual(6);
      } finally {
        await target.close();
      }
    });
  }
});
