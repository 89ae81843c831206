/** Management routes of batches, their device tasks, and cancel by batch / by device. */

import { TASK_STATUS_NAME } from '../../ota/codes.ts';
import { cancelBatch, cancelTask, createBatch } from '../batches.ts';
import type { ServerContext } from '../context.ts';
import type { BatchRecord, TaskRecord } from '../store/records.ts';
import { toTask } from '../store/store.ts';
import { packageOf } from './packages.ts';
import { type ApiRoute, created, ok } from './route.ts';
import { cancelBatchSchema, createBatchSchema, parsePage, parseWith } from './schemas.ts';
import type { TaskList } from './types.ts';
import { badRequest, batchInfo, notFound, taskInfo } from './views.ts';

const STATUS_BY_NAME: Record<string, number> = Object.fromEntries(
  Object.entries(TASK_STATUS_NAME).map(([code, name]) => [name, Number(code)]),
);

function idOf(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function batchOf(ctx: ServerContext, id: string | undefined): BatchRecord {
  const n = idOf(id);
  const b = n === undefined ? undefined : ctx.state.batches.get(n);
  if (!b) throw notFound(`no batch ${id}`);
  return b;
}

function taskOf(ctx: ServerContext, id: string | undefined): TaskRecord {
  const n = idOf(id);
  const t = n === undefined ? undefined : ctx.state.task(n);
  if (!t) throw notFound(`no task ${id}`);
  return t;
}

function info(ctx: ServerContext, b: BatchRecord) {
  return batchInfo(ctx.state.store, b, ctx.state.packages.get(b.packageId));
}

function taskView(ctx: ServerContext, t: TaskRecord) {
  return taskInfo(t, ctx.state.devicesById.get(t.deviceId)?.name ?? '');
}

function listTasks(ctx: ServerContext, batch: BatchRecord, query: URLSearchParams): TaskList {
  const statusText = query.get('status');
  let status: number | undefined;
  if (statusText !== null) {
    status = STATUS_BY_NAME[statusText] ?? (/^[1-6]$/.test(statusText) ? Number(statusText) : undefined);
    if (status === undefined)
      throw badRequest(`status: must be one of ${Object.keys(STATUS_BY_NAME).join(', ')} or 1-6`);
  }
  const { offset, limit } = parsePage(query);
  const deviceName = query.get('device');
  if (deviceName !== null) {
    const pid = ctx.state.packages.get(batch.packageId)?.pid ?? '';
    const device = ctx.state.device(pid, deviceName);
    const rows = device ? ctx.state.store.batchTasksOfDevice(batch.id, device.id) : [];
    const tasks = rows
      .map((r) => taskInfo(toTask(r), deviceName))
      .filter((x) => status === undefined || x.statusCode === status);
    return { total: tasks.length, offset: 0, limit: tasks.length, tasks };
  }
  const rows = ctx.state.store.batchTasks(batch.id, status, limit, offset);
  return {
    total: ctx.state.store.batchTaskCount(batch.id, status),
    offset,
    limit,
    tasks: rows.map((r) => taskInfo(toTask(r), r.device as string)),
  };
}

/** The routes of this module. */
export const batchRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/packages/:id/batches',
    body: 'json',
    handle(ctx, req) {
      const pkg = packageOf(ctx, req.params.id);
      const input = parseWith(createBatchSchema, req.body, 'batch');
      return created(info(ctx, createBatch(ctx, pkg, input, req.now)));
    },
  },
  {
    method: 'GET',
    path: '/api/packages/:id/batches',
    body: 'none',
    handle(ctx, req) {
      const pkg = packageOf(ctx, req.params.id);
      return ok(
        [...ctx.state.batches.values()].filter((b) => b.packageId === pkg.id).map((b) => info(ctx, b)),
      );
    },
  },
  {
    method: 'GET',
    path: '/api/batches/:id',
    body: 'none',
    handle: (ctx, req) => ok(info(ctx, batchOf(ctx, req.params.id))),
  },
  {
    method: 'GET',
    path: '/api/batches/:id/tasks',
    body: 'none',
    handle: (ctx, req) => ok(listTasks(ctx, batchOf(ctx, req.params.id), req.query)),
  },
  {
    method: 'POST',
    path: '/api/batches/:id/cancel',
    body: 'json',
    handle(ctx, req) {
      const batch = batchOf(ctx, req.params.id);
      const input = parseWith(cancelBatchSchema, req.body ?? {}, 'cancel');
      cancelBatch(ctx, batch, input.scope ?? 'all', req.now);
      return ok(info(ctx, batch));
    },
  },
  {
    method: 'GET',
    path: '/api/tasks/:tid',
    body: 'none',
    handle: (ctx, req) => ok(taskView(ctx, taskOf(ctx, req.params.tid))),
  },
  {
    method: 'POST',
    path: '/api/tasks/:tid/cancel',
    body: 'json',
    handle(ctx, req) {
      const task = taskOf(ctx, req.params.tid);
      cancelTask(ctx, task, req.now);
      return ok(taskView(ctx, task));
    },
  },
];
