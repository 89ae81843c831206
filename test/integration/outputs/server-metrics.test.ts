/**
 * GET /metrics of a real reference server mid-run: a run of 20 devices polls it (URL target, a batch
 * created through the management API, check errors injected); the test scrapes the server's and the
 * run's /metrics each time the run hands its observers a new second, parses them with a Prometheus
 * text-format parser, and checks that counters only grow, that the server's figures agree with the
 * run's summary.json, and that /metrics is behind the admin token when the token is required.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { runCommandHandler } from '../../../src/cli/run.ts';
import { renderServeBanner } from '../../../src/cli/serve.ts';
import type { RunObserver } from '../../../src/engine/observer.ts';
import { startPrometheusOutput } from '../../../src/outputs/prometheus.ts';
import type { RunSummary } from '../../../src/report/summary.ts';
import { ACCESS_KEY, PID, seedFleet, startTestServer, type TestServer } from '../server/helpers.ts';
import { counterValues, type Family, scrape, total } from './scrape.ts';

const TOKEN = 'metrics-admin-token-1';
let dir: string;
let t: TestServer | undefined;
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ota-fleet serve: GET /metrics', () => {
  it('is refused without the admin token where the token is required', async () => {
    const s = await startTestServer({ adminToken: TOKEN, requireAdminToken: true });
    try {
      const none = await fetch(`${s.url}/metrics`);
      expect(none.status).toBe(401);
      const wrong = await fetch(`${s.url}/metrics`, { headers: { authorization: 'Bearer nope-nope-nope' } });
      expect(wrong.status).toBe(401);
      const families = await scrape(`${s.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
      expect(families.get('ota_server_requests_total')?.type).toBe('COUNTER');
      // the banner of `ota-fleet serve` says where the metrics are and that they need the token
      expect(renderServeBanner(s.server)).toContain(
        `metrics: ${s.url}/metrics (Prometheus text; Authorization: Bearer <admin token>)`,
      );
    } finally {
      await s.close();
    }
  });

  it('mid-run: counters grow, and the last scrape agrees with the run summary', {
    timeout: 90_000,
  }, async () => {
    dir = await mkdtemp(join(tmpdir(), 'ota-fleet-server-metrics-'));
    t = await startTestServer({
      adminToken: TOKEN,
      requireAdminToken: true,
      faultSeed: 9,
      faults: { check: { errorRate: 0.1, errno: 7 } },
    });
    const pkgId = await seedFleet(t, { count: 20, size: 32 * 1024 });
    await t.admin.createBatch(pkgId, { name: 'wave-1', fromVersion: 'V1.0' });
    const file = join(dir, 'against-server.yaml');
    await writeFile(
      file,
      stringify({
        name: 'against-server',
        seed: 5,
        target: { url: t.url },
        product: { id: PID, accessKey: ACCESS_KEY },
        fleet: { count: 20, namePattern: 'd{index}', versions: { f_version: { 'V1.0': 1 } } },
        profiles: [{ name: 'p', pollInterval: '300ms', installTime: '300ms' }],
        stop: { duration: '5s', whenSettled: false },
      }),
      'utf8',
    );
    const auth = { authorization: `Bearer ${TOKEN}` };
    const serverUrl = `${t.url}/metrics`;
    const prom = await startPrometheusOutput({ host: '127.0.0.1', port: 0 });
    let ended = false;
    const scrapes: Promise<{ server: Map<string, Family>; run: Map<string, Family>; beforeEnd: boolean }>[] =
      [];
    const scraper: RunObserver = {
      onSnapshot: () => {
        scrapes.push(
          Promise.all([scrape(serverUrl, auth), scrape(prom.url)]).then(([server, run]) => ({
            server,
            run,
            beforeEnd: !ended,
          })),
        );
      },
      onFinish: () => {
        ended = true;
      },
    };
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    let result: Awaited<ReturnType<typeof runCommandHandler>>;
    try {
      result = await runCommandHandler(
        {
          scenario: file,
          out: join(dir, 'reports'),
          quiet: true,
          logLevel: 'info',
          wasm: false,
          force: false,
        },
        { observers: [prom.observer, scraper] },
      );
    } finally {
      vi.restoreAllMocks();
    }
    const finalServer = await scrape(serverUrl, auth);
    const finalRun = await scrape(prom.url);
    await prom.close();
    const during = await Promise.all(scrapes);
    const live = during.filter((s) => s.beforeEnd && total(s.server, 'ota_server_requests_total') > 0);
    expect(live.length).toBeGreaterThanOrEqual(2);
    const series = [...during.map((s) => s.server), finalServer].map(counterValues);
    for (let i = 1; i < series.length; i++)
      for (const [key, before] of series[i - 1]!)
        expect(series[i]!.get(key) ?? 0, key).toBeGreaterThanOrEqual(before);

    const summary = JSON.parse(await readFile(join(result.dir, 'summary.json'), 'utf8')) as RunSummary;
    const cut = summary.errors.filter((e) => e.code === 'ERR_CUT_BY_STOP');
    for (const [call, c] of Object.entries(summary.calls)) {
      const cutHere = cut.filter((e) => e.call === call).reduce((a, e) => a + e.count, 0);
      const received = total(finalServer, 'ota_server_requests_total', { call });
      // a request the stop cut may or may not have reached the server
      expect(received, call).toBeGreaterThanOrEqual(c.count - cutHere);
      expect(received, call).toBeLessThanOrEqual(c.count);
    }
    // the injected errno 7 on check: the server's replies and the run's business errors agree
    const errno7 = total(finalServer, 'ota_server_replies_total', { call: 'check', errno: '7' });
    expect(errno7).toBeGreaterThan(0);
    const runCheckErrors = summary.errors
      .filter((e) => e.call === 'check' && e.code !== 'ERR_CUT_BY_STOP')
      .reduce((a, e) => a + e.count, 0);
    const cutChecks = cut.filter((e) => e.call === 'check').reduce((a, e) => a + e.count, 0);
    expect(runCheckErrors).toBeLessThanOrEqual(errno7);
    expect(errno7).toBeLessThanOrEqual(runCheckErrors + cutChecks);
    // the run's own last scrape: errors by code are summary.json's
    const byCode = new Map<string, number>();
    for (const e of summary.errors) byCode.set(e.code, (byCode.get(e.code) ?? 0) + e.count);
    expect(byCode.size).toBeGreaterThan(0);
    for (const [code, n] of byCode)
      expect(total(finalRun, 'ota_fleet_request_errors_total', { code }), code).toBe(n);
    expect(total(finalRun, 'ota_fleet_requests_total', { outcome: 'error' })).toBe(
      summary.totals.failedRequests,
    );
    expect(total(finalRun, 'ota_fleet_requests_total')).toBe(summary.totals.requests);
    expect(total(finalServer, 'ota_server_faults_injected_total', { kind: 'errno' })).toBe(errno7);
    // tasks by status and the batch's progress: every upgraded device is a succeeded task
    expect(summary.totals.devices.upgraded).toBeGreaterThan(0);
    expect(total(finalServer, 'ota_server_tasks', { status: 'succeeded' })).toBe(
      summary.totals.devices.upgraded,
    );
    expect(total(finalServer, 'ota_server_batch_tasks', { batch: 'wave-1' })).toBe(20);
    expect(total(finalServer, 'ota_server_batches')).toBe(1);
    expect(total(finalServer, 'ota_server_download_bytes_total')).toBeGreaterThanOrEqual(
      summary.totals.bytes,
    );
    expect(summary.totals.bytes).toBeGreaterThan(0);
  });
});
