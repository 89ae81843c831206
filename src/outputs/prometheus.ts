/**
 * The live Prometheus output of a run (`--metrics-listen`): a run observer that turns the merged
 * once-a-second snapshot into prom-client metrics on a private Registry, and a small node:http server
 * that serves them at `/metrics`. Fed once a second by `onSnapshot`, never per request; the last values
 * come from the run's summary (`onFinish`), so a scrape after the run agrees with summary.json.
 * docs/outputs.md lists every metric.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Counter, Gauge, Registry } from 'prom-client';
import type { RunObserver, RunSnapshot } from '../engine/observer.ts';
import { parseMetricKey } from '../metrics/keys.ts';
import { METRIC_CALLS } from '../metrics/registry.ts';
import type { LatencyStats } from '../metrics/snapshot.ts';
import type { RunSummary } from '../report/summary.ts';
import { callLatencyOf } from './latency.ts';

/** Prefix of every metric a run exposes. */
export const RUN_METRIC_PREFIX = 'ota_fleet_';

/** Quantiles of the latency summaries (HDR percentiles of the merged histograms). */
export const SUMMARY_QUANTILES: ReadonlyArray<readonly [number, keyof LatencyStats]> = [
  [0.5, 'p50'],
  [0.9, 'p90'],
  [0.95, 'p95'],
  [0.99, 'p99'],
  [0.999, 'p99_9'],
];

const DEVICE_STATES: Readonly<Record<string, string>> = {
  devices_booted: 'booted',
  devices_with_task: 'with_task',
  devices_upgraded: 'upgraded',
  devices_failed: 'failed',
  devices_cancelled: 'cancelled',
};

const CUT_CODE = 'ERR_CUT_BY_STOP';

/** Where a counter series key goes: a Prometheus counter and its labels (undefined: not exposed). */
type Target = { counter: Counter<string>; labels: Record<string, string> } | undefined;

/** Latency of one call as the summary exposes it (µs values, like the report). */
interface CallLatency {
  stats: LatencyStats;
}

/** A custom prom-client metric of type summary whose quantiles are read from merged HDR histograms. */
function latencySummary(reg: Registry, latest: Map<string, CallLatency>) {
  const name = `${RUN_METRIC_PREFIX}request_duration_seconds`;
  const metric = {
    name,
    help: 'Latency of each device call since the run began (quantiles of the merged HDR histograms)',
    type: 'summary',
    aggregator: 'sum',
    get: async () => {
      const values: { labels: Record<string, string | number>; value: number; metricName?: string }[] = [];
      for (const [call, { stats }] of latest) {
        for (const [q, key] of SUMMARY_QUANTILES)
          values.push({ labels: { call, quantile: q }, value: stats[key] / 1e6 });
        values.push({ metricName: `${name}_sum`, labels: { call }, value: (stats.mean * stats.count) / 1e6 });
        values.push({ metricName: `${name}_count`, labels: { call }, value: stats.count });
      }
      return { name, help: metric.help, type: 'summary', aggregator: 'sum', values };
    },
  };
  reg.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

/**
 * The generator's own CPU (this process: main thread and worker threads) and its main thread's
 * event-loop delay, read at scrape time. Cheaper than prom-client's default metrics (no GC observer).
 */
function registerProcessMetrics(registry: Registry): () => void {
  const p = RUN_METRIC_PREFIX;
  const registers = [registry];
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  new Counter({
    name: `${p}process_cpu_seconds_total`,
    help: 'CPU time of the generator process (user + system, every thread), seconds',
    registers,
    collect() {
      const u = process.cpuUsage();
      this.reset();
      this.inc((u.user + u.system) / 1e6);
    },
  });
  new Gauge({
    name: `${p}process_resident_memory_bytes`,
    help: 'Resident memory of the generator process, bytes',
    registers,
    collect() {
      this.set(process.memoryUsage.rss());
    },
  });
  const lag = (name: string, help: string, read: () => number) =>
    new Gauge({
      name: `${p}nodejs_eventloop_lag_${name}_seconds`,
      help,
      registers,
      collect() {
        this.set(read() / 1e9);
      },
    });
  lag('p50', 'Event-loop delay of the main thread since the previous scrape, p50', () => loop.percentile(50));
  lag('p99', 'Event-loop delay of the main thread since the previous scrape, p99', () => loop.percentile(99));
  // registered last, so read last: it closes the window
  lag('max', 'Event-loop delay of the main thread since the previous scrape, max', () => {
    const max = loop.max;
    loop.reset();
    return max;
  });
  return () => loop.disable();
}

/** The metrics of one run on a private registry, updated from cumulative counters. */
export interface RunMetrics {
  registry: Registry;
  /** Applies cumulative counters (series key → count so far); counters only ever grow. */
  applyCounters(counters: Readonly<Record<string, number>>): void;
  /** Sets the per-call latency summaries from cumulative histograms (µs). */
  applyLatency(latency: Map<string, LatencyStats>): void;
  applySnapshot(s: RunSnapshot): void;
  applySummary(summary: RunSummary): void;
  /** Stops the event-loop delay monitor. */
  close(): void;
}

/** Creates the run's metrics on a fresh private Registry (never prom-client's global one). */
export function createRunMetrics(o: { processMetrics?: boolean } = {}): RunMetrics {
  const registry = new Registry();
  const p = RUN_METRIC_PREFIX;
  const registers = [registry];
  const requests = new Counter({
    name: `${p}requests_total`,
    help: 'Device requests made, by call and outcome (ok, error)',
    labelNames: ['call', 'outcome'],
    registers,
  });
  const errors = new Counter({
    name: `${p}request_errors_total`,
    help: 'Failed device requests by call and stable error code',
    labelNames: ['call', 'code'],
    registers,
  });
  const cut = new Counter({
    name: `${p}requests_cut_total`,
    help: "Requests in flight that the run's stop cut (kept apart from completed requests)",
    labelNames: ['call'],
    registers,
  });
  const bytes = new Counter({
    name: `${p}download_bytes_total`,
    help: 'Package bytes downloaded',
    registers,
  });
  const devices = new Counter({
    name: `${p}devices_total`,
    help: 'Devices that reached a state: booted, with_task, upgraded, failed, cancelled',
    labelNames: ['state'],
    registers,
  });
  const dropped = new Counter({
    name: `${p}device_starts_dropped_total`,
    help: 'Device starts an open (arrival-rate) model could not make',
    registers,
  });
  const active = new Gauge({ name: `${p}devices_active`, help: 'Devices running a flow now', registers });
  const recentP99 = new Gauge({
    name: `${p}request_duration_recent_p99_seconds`,
    help: 'p99 latency of each call over the last 5 seconds',
    labelNames: ['call'],
    registers,
  });
  const batches = new Gauge({
    name: `${p}rollout_batch_devices`,
    help: 'Devices of each rollout batch by task status, as read from the server at the end of the run',
    labelNames: ['batch', 'status'],
    registers,
  });
  const elapsed = new Gauge({
    name: `${p}run_elapsed_seconds`,
    help: 'Seconds since the run began',
    registers,
  });
  const stopProcessMetrics = o.processMetrics !== false ? registerProcessMetrics(registry) : () => undefined;
  const latest = new Map<string, CallLatency>();
  latencySummary(registry, latest);

  // per series key: its target and the count already added to it
  const targets = new Map<string, { target: Target; seen: number }>();
  // ok = requests − failed per call: both come cumulative, so we keep them and add the difference
  const okSeen = new Map<string, number>();
  const callTotals = new Map<string, { all: number; failed: number }>();

  const targetOf = (key: string): Target => {
    const { name, tags } = parseMetricKey(key);
    if (name === 'errors') {
      const call = tags['call'] ?? 'unknown';
      return { counter: errors, labels: { call, code: tags['code'] ?? 'unknown' } };
    }
    if (name === 'ota_requests_cut') return { counter: cut, labels: { call: tags['call'] ?? 'unknown' } };
    if (name === 'ota_download_bytes') return { counter: bytes, labels: {} };
    if (name === 'device_starts_dropped') return { counter: dropped, labels: {} };
    const state = DEVICE_STATES[name];
    if (state !== undefined) return { counter: devices, labels: { state } };
    return undefined;
  };

  const applyCounters = (counters: Readonly<Record<string, number>>) => {
    const touched = new Set<string>();
    for (const [key, total] of Object.entries(counters)) {
      if (key.startsWith('ota_requests') && !key.startsWith('ota_requests_cut')) {
        const { name, tags } = parseMetricKey(key);
        const call = tags['call'];
        if (call === undefined || (name !== 'ota_requests' && name !== 'ota_requests_failed')) continue;
        const t = callTotals.get(call) ?? { all: 0, failed: 0 };
        if (name === 'ota_requests') t.all = total;
        else t.failed = total;
        callTotals.set(call, t);
        touched.add(call);
        continue;
      }
      let entry = targets.get(key);
      if (entry === undefined) {
        entry = { target: targetOf(key), seen: 0 };
        targets.set(key, entry);
      }
      const delta = total - entry.seen;
      if (entry.target === undefined || delta <= 0) continue;
      entry.seen = total;
      entry.target.counter.inc(entry.target.labels, delta);
      if (entry.target.counter === errors && entry.target.labels['code'] === CUT_CODE)
        cut.inc({ call: entry.target.labels['call'] ?? 'unknown' }, delta);
    }
    for (const call of touched) {
      const t = callTotals.get(call)!;
      const failedSeen = okSeen.get(`e:${call}`) ?? 0;
      if (t.failed > failedSeen) {
        requests.inc({ call, outcome: 'error' }, t.failed - failedSeen);
        okSeen.set(`e:${call}`, t.failed);
      }
      const ok = t.all - t.failed;
      const seen = okSeen.get(call) ?? 0;
      if (ok > seen) {
        requests.inc({ call, outcome: 'ok' }, ok - seen);
        okSeen.set(call, ok);
      }
    }
  };

  const applyLatency = (latency: Map<string, LatencyStats>) => {
    for (const [call, stats] of latency) {
      const before = latest.get(call);
      // a summary's count never goes back (a late scrape of fewer values would break rate())
      if (before === undefined || stats.count >= before.stats.count) latest.set(call, { stats });
    }
  };

  return {
    registry,
    close: stopProcessMetrics,
    applyCounters,
    applyLatency,
    applySnapshot(s) {
      applyCounters(s.soFar.counters);
      applyLatency(callLatencyOf(s));
      active.set(s.live.devicesActive);
      elapsed.set(s.live.elapsedSec);
      recentP99.reset();
      for (const [call, ms] of Object.entries(s.live.callP99Ms)) recentP99.set({ call }, ms / 1000);
    },
    applySummary(summary) {
      applyCounters(summary.counters);
      const latency = new Map<string, LatencyStats>();
      for (const call of METRIC_CALLS) {
        const c = summary.calls[call];
        if (c !== undefined && c.latency.count > 0) latency.set(call, c.latency);
      }
      applyLatency(latency);
      active.set(0);
      elapsed.set(summary.run.durationMs / 1000);
      for (const b of summary.rollout?.batches ?? [])
        for (const [status, n] of Object.entries(b.counts)) batches.set({ batch: b.name, status }, n);
    },
  };
}

/** A listening `/metrics` endpoint over a run's metrics; `observer` feeds it. */
export interface PrometheusOutput {
  observer: RunObserver;
  metrics: RunMetrics;
  /** `http://host:port/metrics`, with the port the system picked for port 0. */
  url: string;
  close(): Promise<void>;
}

/** A host and port to listen on. */
export interface ListenAddress {
  host: string;
  port: number;
}

/** Serves `registry` at GET /metrics on `address`; resolves once listening. */
export async function serveRegistry(
  registry: Registry,
  address: ListenAddress,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try GET /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(address.port, address.host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const a = server.address() as AddressInfo;
  const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return { server, url: `http://${host}:${a.port}/metrics` };
}

/** Starts the `--metrics-listen` endpoint of a run (main thread); close it after the report is written. */
export async function startPrometheusOutput(address: ListenAddress): Promise<PrometheusOutput> {
  const metrics = createRunMetrics();
  const { server, url } = await serveRegistry(metrics.registry, address);
  return {
    metrics,
    url,
    observer: {
      onSnapshot: (s) => metrics.applySnapshot(s),
      onFinish: (summary) => metrics.applySummary(summary),
    },
    close: () =>
      new Promise<void>((ok) => {
        metrics.close();
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
