/**
 * The stop never waits for stuck requests, and every request sent is in the report: against a target
 * that stalls every check, a run with requestTimeout 30 s ends within ~2 s of its stop and its summary
 * counts each stalled check as cut by the stop. The stop comes when the target holds all six checks
 * (an event, not a moment on the wall clock).
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { verdictOf } from '../../../src/report/verdict.ts';
import { scenario, silentLog } from '../engine/helpers.ts';
import { cutCount, startFakeTarget, stopWhen } from './helpers.ts';

const ok = encodeEnvelope('studio', 0);

describe('the stop with stuck requests', () => {
  for (const mode of ['shared', 'per-device'] as const) {
    it(`${mode}: a run whose every check stalls ends within ~2 s of its stop and counts the cut checks`, async () => {
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
          stop: { duration: '60s' }, // a safety net: the run is stopped once all six checks are held
        });
        const stop = stopWhen(() => target.received.check === 6);
        const { summary } = await runScenario({
          scenario: s,
          scenarioFile: 't.yaml',
          scenarioSource: '',
          log: silentLog,
          workers: 1,
          stopSignal: stop.signal,
        });
        stop.cancel();
        expect(stop.at()).toBeGreaterThan(0);
        // the stop does not wait for the 30 s requestTimeout: the run ends within ~2 s of it
        expect(Date.now() - stop.at()).toBeLessThan(2500);
        // each device sent one check, which never came back: all six are in the report, as cut
        expect(target.received.check).toBe(6);
        expect(cutCount(summary, 'check')).toBe(6);
        // kept apart from completed checks (none completed), with their age at the stop
        expect(summary.calls.check?.count ?? 0).toBe(0);
        expect(summary.calls.check?.cut?.count).toBe(6);
        expect(summary.calls.check?.cut?.age.p50).toBeGreaterThan(0);
        // a run in which a call was sent but never completed does not read as completed
        expect(verdictOf(summary).status).toBe('stalled');
      } finally {
        await target.close();
      }
    }, 90_000);
  }
});
