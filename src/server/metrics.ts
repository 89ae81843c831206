/**
 * GET /metrics of the reference server: Prometheus text exposition (prom-client, a private Registry
 * per server) of its own counters — requests and replies by call and errno, tasks and batches by
 * status, per-batch task counts, bytes of package downloaded, injected faults and pushes. Values are
 * read from the server's counters and store at scrape time (never counted per request here). The
 * admin token and origin checks are the management API's. docs/outputs.md lists every metric.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { TASK_STATUS_NAME, type TaskStatusValue } from '../ota/codes.ts';
import { OTA_CALLS } from '../ota/routes.ts';
import { refuseAdminRequest } from './api/management.ts';
import type { ServerContext } from './context.ts';
import { sendApiError } from './reply.ts';

/** Prefix of every metric the server exposes. */
export const SERVER_METRIC_PREFIX = 'ota_server_';

/** The path the metrics are served at. */
export const METRICS_PATH = '/metrics';

const registries = new WeakMap<ServerContext, Registry>();

/** Sets a counter to an absolute value read from the server's counters (they only grow). */
function setCounter(c: Counter<string>, labels: Record<string, string>, value: number): void {
  if (value > 0) c.inc(labels, value);
}

/** Builds the registry of one server (once, on its first scrape). */
export function createServerMetrics(ctx: ServerContext): Registry {
  const registry = new Registry();
  const registers = [registry];
  const p = SERVER_METRIC_PREFIX;
  new Counter({
    name: `${p}requests_total`,
    help: 'Device requests received, by call',
    labelNames: ['call'],
    registers,
    collect() {
      this.reset();
      for (const call of OTA_CALLS) setCounter(this, { call }, ctx.stats.calls[call].requests);
    },
  });
  new Counter({
    name: `${p}replies_total`,
    help: 'Device replies by call and errno (download: its Ota-Errno); 0 is success',
    labelNames: ['call', 'errno'],
    registers,
    collect() {
      this.reset();
      for (const call of OTA_CALLS)
        for (const [errno, n] of Object.entries(ctx.stats.calls[call].replies))
          setCounter(this, { call, errno }, n);
    },
  });
  new Counter({
    name: `${p}download_bytes_total`,
    help: 'Package bytes sent in download bodies',
    registers,
    collect() {
      this.reset();
      setCounter(this, {}, ctx.stats.downloadBytes);
    },
  });
  new Counter({
    name: `${p}faults_injected_total`,
    help: 'Faults injected, by kind (delayed, reset, stall, http, errno, truncate, corrupt)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      for (const [kind, n] of Object.entries(ctx.faults.counts)) setCounter(this, { kind }, n);
    },
  });
  new Counter({
    name: `${p}pushes_total`,
    help: 'HTTP push notifications, by result (sent, failed)',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      setCounter(this, { result: 'sent' }, ctx.stats.push.sent);
      setCounter(this, { result: 'failed' }, ctx.stats.push.failed);
    },
  });
  const tasks = new Gauge({
    name: `${p}tasks`,
    help: 'Upgrade tasks of every batch, by status (pending, downloading, upgrading, succeeded, failed, cancelled)',
    labelNames: ['status'],
    registers,
  });
  const batchTasks = new Gauge({
    name: `${p}batch_tasks`,
    help: 'Upgrade tasks of each batch, by status: the rollout progress per batch',
    labelNames: ['batch', 'status'],
    registers,
  });
  new Gauge({
    name: `${p}batches`,
    help: 'Batches by status (scheduled, running, completed, cancelled)',
    labelNames: ['status'],
    registers,
    collect() {
      this.reset();
      tasks.reset();
      batchTasks.reset();
      const byStatus: Record<string, number> = { scheduled: 0, running: 0, completed: 0, cancelled: 0 };
      const taskTotals: Record<string, number> = {};
      for (const name of Object.values(TASK_STATUS_NAME)) taskTotals[name] = 0;
      for (const b of ctx.state.batches.values()) {
        byStatus[b.status] = (byStatus[b.status] ?? 0) + 1;
        for (const { status, n } of ctx.state.store.batchCounts(b.id)) {
          const name = TASK_STATUS_NAME[status as TaskStatusValue] ?? String(status);
          taskTotals[name] = (taskTotals[name] ?? 0) + n;
          batchTasks.set({ batch: b.name, status: name }, n);
        }
      }
      for (const [status, n] of Object.entries(byStatus)) this.set({ status }, n);
      for (const [status, n] of Object.entries(taskTotals)) tasks.set({ status }, n);
    },
  });
  new Gauge({
    name: `${p}live_tasks`,
    help: 'Tasks that can still move (in memory)',
    registers,
    collect() {
      this.set(ctx.state.liveTasks.size);
    },
  });
  collectDefaultMetrics({ register: registry, prefix: p });
  return registry;
}

/** Serves GET /metrics: refused like a management request without the admin token, else the text. */
export function handleMetrics(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  const refused = refuseAdminRequest(ctx, req);
  if (refused !== undefined) {
    sendApiError(res, refused.status, refused.code, refused.message, []);
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendApiError(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${METRICS_PATH}`, []);
    return;
  }
  let registry = registries.get(ctx);
  if (registry === undefined) {
    registry = createServerMetrics(ctx);
    registries.set(ctx, registry);
  }
  const reg = registry;
  reg.metrics().then(
    (text) => {
      if (ctx.closed()) return;
      res.writeHead(200, { 'content-type': reg.contentType });
      res.end(req.method === 'HEAD' ? undefined : text);
    },
    (err: unknown) => {
      ctx.log.error({ err }, 'metrics scrape failed');
      sendApiError(res, 500, 'INTERNAL', 'internal error (see the server log)', []);
    },
  );
}
