/**
 * deploy/grafana/ota-fleet.json queries only metrics that exist: every `ota_fleet_*` / `ota_server_*`
 * name in its PromQL is a family that a run's registry or a real reference server's GET /metrics
 * exposes (a summary's `_sum` / `_count` count as its own), and it has the panels the docs promise.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRunMetrics } from '../../../src/outputs/prometheus.ts';
import { startOtaServer } from '../../../src/server/server.ts';
import { parseExposition, scrape } from './scrape.ts';

const ROOT = join(import.meta.dirname, '../../..');

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

/** Names a family exposes: its own, plus `_sum` and `_count` for a summary. */
function exposedNames(families: Map<string, { type: string }>): Set<string> {
  const names = new Set<string>();
  for (const [name, f] of families) {
    names.add(name);
    if (f.type === 'SUMMARY' || f.type === 'HISTOGRAM')
      for (const s of ['_sum', '_count']) names.add(name + s);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  it('uses only metric names that the run or the server exposes', async () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/ota-fleet.json'), 'utf8')) as {
      panels: Panel[];
    };
    const run = exposedNames(parseExposition(await createRunMetrics().registry.metrics()));
    const server = await startOtaServer({ logLevel: 'silent' });
    let served: Set<string>;
    try {
      served = exposedNames(await scrape(`${server.url}/metrics`));
    } finally {
      await server.close();
    }
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(queries.length).toBeGreaterThanOrEqual(10);
    const used = new Set(queries.flatMap((q) => q.match(/\bota_(?:fleet|server)_[a-z0-9_]+/g) ?? []));
    expect(used.size).toBeGreaterThanOrEqual(12);
    const unknown = [...used].filter((n) => !(n.startsWith('ota_fleet_') ? run : served).has(n));
    expect(unknown).toEqual([]);
    for (const name of [
      'ota_fleet_requests_total',
      'ota_fleet_request_errors_total',
      'ota_fleet_devices_total',
    ])
      expect(used).toContain(name);
  });

  it('has the promised panels: request rate, errors by code, latency percentiles per call, devices upgraded', () => {
    const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/ota-fleet.json'), 'utf8')) as {
      panels: Panel[];
    };
    const byTitle = (re: RegExp) => dashboard.panels.find((p) => re.test(p.title));
    expect(byTitle(/^Request rate/)?.targets?.[0]?.expr).toMatch(/rate\(ota_fleet_requests_total/);
    expect(byTitle(/^Errors by code/)?.targets?.[0]?.expr).toMatch(
      /by \(code\).*ota_fleet_request_errors_total/,
    );
    expect(
      byTitle(/^Latency percentiles per call/)
        ?.targets?.map((t) => t.expr)
        .join(' '),
    ).toMatch(/quantile="0\.99"/);
    expect(byTitle(/^Devices upgraded over time/)?.targets?.[0]?.expr).toMatch(/upgraded/);
  });
});
