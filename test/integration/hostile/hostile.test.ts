/**
 * The simulator stays honest under a hostile target (issue 8 §6): for each connection mode, a small
 * fleet runs through the real engine against a target where each device meets one misbehaviour. The
 * run is stopped once every misbehaviour has been met and retried (the retry comes after the first
 * failure was recorded): it ends within 2 s of the stop, memory stays bounded, every request the
 * target received is in the report (completed or cut), and every error has a specific code — none is
 * ERR_TRANSPORT_OTHER. The scenario's duration is only a safety net.
 */
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../../src/engine/run.ts';
import { scenario, silentLog } from '../engine/helpers.ts';
import { requestsCounted, stopWhen } from '../transport/helpers.ts';
import { KINDS, startHostileServer } from './hostile-server.ts';

const SAFETY_MS = 30_000;
const DEVICES = KINDS.length * 2;

/** The code each misbehaviour must produce (at least once in the run). */
const EXPECTED: Record<string, string> = {
  drip: 'ERR_TRANSPORT_DEADLINE',
  'endless-chunked': 'ERR_REPLY_TOO_LARGE',
  'oversize-json': 'ERR_REPLY_TOO_LARGE',
  'bad-status-line': 'ERR_TRANSPORT_BAD_HTTP',
  'huge-headers': 'ERR_TRANSPORT_HEADERS_OVERFLOW',
  'close-mid-body': 'ERR_TRANSPORT_RESET',
  'truncated-download': 'ERR_DOWNLOAD_TRUNCATED',
};
/** Every code a run against this target may show. */
const ALLOWED = new Set([
  ...Object.values(EXPECTED),
  'ERR_TRANSPORT_TIMEOUT', // the stall: undici's idle headers timeout (same length as the deadline)
  'ERR_CUT_BY_STOP',
  'ERR_OTA_RANGE_MISMATCH', // the truncated download's resume: this target ignores Range
]);

describe('a hostile target', () => {
  for (const mode of ['shared', 'per-device', 'per-request'] as const) {
    it(
      `${mode}: ends on time, stays bounded, counts every request, names every error`,
      async () => {
        const target = await startHostileServer();
        let peakRss = 0;
        const baseRss = process.memoryUsage().rss;
        const sampler = setInterval(() => {
          peakRss = Math.max(peakRss, process.memoryUsage().rss);
        }, 50);
        try {
          const s = scenario({
            target: { url: target.url },
            product: { id: 'p1' },
            fleet: { count: DEVICES, namePattern: 'dev-{index:02}' },
            connections: { mode, poolSize: DEVICES },
            profiles: [
              {
                name: 'p',
                pollInterval: '300ms',
                requestTimeout: '1s',
                retry: { max: 1, baseDelay: '50ms', maxDelay: '100ms' },
              },
            ],
            stop: { duration: `${SAFETY_MS}ms` },
          });
          // two devices per kind: a third request of a kind is a retry, sent after a first failure was recorded
          const stop = stopWhen(
            () =>
              KINDS.every((k) => target.received[k] >= (k === 'healthy' || k === 'stall' ? 1 : 3)) &&
              target.downloads >= 3,
          );
          const { summary } = await runScenario({
            scenario: s,
            scenarioFile: 'hostile.yaml',
            scenarioSource: '',
            log: silentLog,
            workers: 1,
            stopSignal: stop.signal,
          });
          stop.cancel();
          clearInterval(sampler);
          expect(stop.at(), 'every misbehaviour was met before the safety net').toBeGreaterThan(0);
          expect(Date.now() - stop.at()).toBeLessThan(2500);
          expect(peakRss - baseRss).toBeLessThan(300 * 1024 * 1024);
          // every request the target received is counted; the only extra ones are those cut while connecting
          const counted = requestsCounted(summary);
          expect(counted).toBeGreaterThanOrEqual(target.total());
          expect(counted).toBeLessThanOrEqual(target.total() + DEVICES);
          const codes = new Set(summary.errors.map((e) => e.code));
          for (const [kind, code] of Object.entries(EXPECTED))
            expect(codes, `${kind} → ${code}`).toContain(code);
          for (const code of codes) expect(ALLOWED, `unexpected ${code}`).toContain(code);
          for (const kind of KINDS) expect(target.received[kind], kind).toBeGreaterThan(0);
        } finally {
          clearInterval(sampler);
          await target.close();
        }
      },
      SAFETY_MS + 20_000,
    );
  }
});
