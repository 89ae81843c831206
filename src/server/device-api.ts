/**
 * The six device calls of spec §3 (download lives in download.ts): authentication on every call,
 * the task state machine, version recording (written only when it changes) and fault injection.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Errno, ModuleType, type ModuleTypeValue, OtaErrno, PackageType, TaskStatus } from '../ota/codes.ts';
import {
  encodeCheckTask,
  encodeTaskState,
  encodeVersions,
  parseStepBody,
  parseVersionBody,
  versionOf,
} from '../ota/payloads.ts';
import type { MatchedRoute, OtaCall } from '../ota/routes.ts';
import { isValidVersion } from '../ota/rules.ts';
import type { AuthOutcome } from './auth.ts';
import { LIMITS } from './config.ts';
import type { ServerContext } from './context.ts';
import { serveDownload } from './download.ts';
import type { FaultPlan } from './faults.ts';
import { readBody, sendDownloadError, sendEnvelope } from './reply.ts';
import { countReply } from './stats.ts';
import type { DeviceState } from './store/state.ts';
import { applyStep, parseTid } from './task-machine.ts';

type Json = Record<string, unknown>;

function reply(ctx: ServerContext, res: ServerResponse, call: OtaCall, errno: number, data?: unknown): void {
  countReply(ctx.stats, call, errno);
  sendEnvelope(res, ctx.options.dialect, errno, data);
}

function parseObject(body: Buffer): Json | undefined {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
  } catch {
    return undefined;
  }
}

/** The task a device names by tid, only if it is that device's own task. */
function ownTask(ctx: ServerContext, device: DeviceState, tid: string | undefined) {
  const id = parseTid(tid);
  const task = id === undefined ? undefined : ctx.state.task(id);
  return task && task.deviceId === device.id ? task : undefined;
}

/** A version report equal to the target of an upgrading task completes it (legacy platform). */
function completeByVersion(
  ctx: ServerContext,
  device: DeviceState,
  module: ModuleTypeValue,
  version: string,
) {
  const task = device.active[module - 1];
  if (task?.status !== TaskStatus.UPGRADING) return;
  if (ctx.state.packages.get(task.packageId)?.targetVersion === version) ctx.state.succeed(task, Date.now());
}

function check(ctx: ServerContext, res: ServerResponse, device: DeviceState, query: string) {
  const params = new URLSearchParams(query);
  const type = params.get('type');
  const version = params.get('version');
  const module =
    type === String(ModuleType.FOTA)
      ? ModuleType.FOTA
      : type === String(ModuleType.SOTA)
        ? ModuleType.SOTA
        : 0;
  if (module === 0 || version === null) return reply(ctx, res, 'check', Errno.BAD_PARAM);
  if (!isValidVersion(version)) return reply(ctx, res, 'check', Errno.BAD_VERSION);
  ctx.state.recordVersion(device, module, version);
  completeByVersion(ctx, device, module, version);
  const task = device.active[module - 1];
  const pkg = task && ctx.state.packages.get(task.packageId);
  if (!task || !pkg || task.status > TaskStatus.UPGRADING) {
    return reply(ctx, res, 'check', ctx.options.noTaskErrno);
  }
  if (pkg.type === PackageType.DIFF && task.status === TaskStatus.PENDING && version !== pkg.fromVersion) {
    task.step = null;
    ctx.state.fail(
      task,
      `device version ${version} is not the differential package's ${pkg.fromVersion}`,
      Date.now(),
    );
    return reply(ctx, res, 'check', Errno.DIFF_VERSION_MISMATCH);
  }
  reply(
    ctx,
    res,
    'check',
    Errno.OK,
    encodeCheckTask({
      target: pkg.targetVersion,
      tid: task.id,
      size: pkg.size,
      md5: pkg.md5,
      status: task.status,
      type: pkg.type,
    }),
  );
}

function reportVersion(ctx: ServerContext, res: ServerResponse, device: DeviceState, body: Json) {
  const parsed = parseVersionBody(body);
  if (!parsed.ok) return reply(ctx, res, 'report-version', parsed.errno);
  for (const module of [ModuleType.FOTA, ModuleType.SOTA] as const) {
    const v = versionOf(parsed.value, module);
    if (v === undefined) continue;
    ctx.state.recordVersion(device, module, v);
    completeByVersion(ctx, device, module, v);
  }
  reply(ctx, res, 'report-version', Errno.OK);
}

function reportStatus(
  ctx: ServerContext,
  res: ServerResponse,
  device: DeviceState,
  tid: string | undefined,
  body: Json,
) {
  const task = ownTask(ctx, device, tid);
  if (!task) return reply(ctx, res, 'report-status', Errno.BAD_PARAM);
  const parsed = parseStepBody(body);
  if (!parsed.ok) return reply(ctx, res, 'report-status', parsed.errno);
  const step = parsed.value.step;
  const result = applyStep(task.status, task.step, step, ctx.options.downloadingOn);
  if (result.errno === Errno.OK && (result.status !== task.status || result.step !== task.step)) {
    const now = Date.now();
    task.step = result.step;
    if (result.status === TaskStatus.SUCCEEDED) ctx.state.succeed(task, now);
    else if (result.status === TaskStatus.FAILED) ctx.state.fail(task, `step ${step}`, now);
    else {
      task.status = result.status;
      ctx.state.saveTask(task, now);
    }
  }
  reply(ctx, res, 'report-status', result.errno);
}

function taskState(ctx: ServerContext, res: ServerResponse, device: DeviceState, tid: string | undefined) {
  const task = ownTask(ctx, device, tid);
  if (!task) return reply(ctx, res, 'task-state', Errno.BAD_PARAM);
  const status = task.status === TaskStatus.CANCELLED ? ctx.options.cancelledStatus : task.status;
  reply(ctx, res, 'task-state', Errno.OK, encodeTaskState(status));
}

function queryVersion(ctx: ServerContext, res: ServerResponse, device: DeviceState): void {
  const data = encodeVersions({
    ...(device.fVersion !== null ? { f_version: device.fVersion } : {}),
    ...(device.sVersion !== null ? { s_version: device.sVersion } : {}),
  });
  reply(ctx, res, 'query-version', Errno.OK, data);
}

function authenticate(ctx: ServerContext, req: IncomingMessage, route: MatchedRoute): AuthOutcome {
  return ctx.auth.authenticate(
    req.headers.authorization,
    route.proId,
    route.devName,
    Math.floor(Date.now() / 1000),
  );
}

async function serveReport(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MatchedRoute,
) {
  const raw = await readBody(req, res, LIMITS.deviceBody);
  if (ctx.closed() || (!raw.ok && raw.reason === 'aborted')) return;
  const auth = authenticate(ctx, req, route);
  if (!auth.device) return reply(ctx, res, route.call, auth.errno);
  const body = raw.ok ? parseObject(raw.body) : undefined;
  if (!body) return reply(ctx, res, route.call, Errno.BAD_BODY);
  if (route.call === 'report-version') reportVersion(ctx, res, auth.device, body);
  else reportStatus(ctx, res, auth.device, route.tid, body);
}

function serve(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MatchedRoute,
  query: string,
  plan?: FaultPlan,
) {
  const call = route.call;
  switch (call) {
    case 'report-version':
    case 'report-status':
      serveReport(ctx, req, res, route).catch((err: unknown) => internalError(ctx, res, call, err));
      return;
    case 'download':
      return serveDownload(ctx, req, res, route, authenticate(ctx, req, route), plan);
    case 'check':
    case 'task-state':
    case 'query-version': {
      const auth = authenticate(ctx, req, route);
      if (!auth.device) return reply(ctx, res, call, auth.errno);
      if (call === 'check') return check(ctx, res, auth.device, query);
      if (call === 'task-state') return taskState(ctx, res, auth.device, route.tid);
      return queryVersion(ctx, res, auth.device);
    }
    default:
      return unknownCall(call);
  }
}

/** Compile-time exhaustiveness: a call added to OtaCall without a case here fails the build. */
function unknownCall(call: never): never {
  throw new Error(`device call ${String(call)} has no handler`);
}

function internalError(ctx: ServerContext, res: ServerResponse, call: OtaCall, err: unknown): void {
  ctx.log.error({ err, call }, 'device call failed');
  if (res.headersSent) res.destroy();
  else if (call === 'download') sendDownloadError(res, OtaErrno.NO_STORAGE_RESOURCE);
  else reply(ctx, res, call, Errno.INTERNAL);
}

function injectFault(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  call: OtaCall,
  plan: FaultPlan,
  next: () => void,
) {
  const go = (): void => {
    if (res.destroyed) return;
    if (plan.action === 'reset') req.socket.resetAndDestroy();
    else if (plan.action === 'stall') {
      if (plan.stallMs !== 'never') ctx.later(plan.stallMs, next);
    } else if (plan.action === 'http' || plan.action === 'errno') {
      const status = plan.action === 'http' ? plan.httpStatus : 200;
      const errno =
        plan.action === 'http'
          ? call === 'download'
            ? OtaErrno.NO_STORAGE_RESOURCE
            : Errno.INTERNAL
          : plan.errno;
      countReply(ctx.stats, call, errno);
      if (call === 'download') sendDownloadError(res, errno, status);
      else sendEnvelope(res, ctx.options.dialect, errno, undefined, status);
    } else next();
  };
  if (plan.delayMs > 0) ctx.later(plan.delayMs, go);
  else go();
}

/** Serves one device call; never throws (a failure becomes errno 7 / Ota-Errno 3). */
export function handleDeviceCall(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MatchedRoute,
  query: string,
): void {
  ctx.stats.calls[route.call].requests++;
  const plan = ctx.faults.plan(route.call);
  const run = (): void => {
    try {
      serve(ctx, req, res, route, query, plan);
    } catch (err) {
      internalError(ctx, res, route.call, err);
    }
  };
  if (plan) injectFault(ctx, req, res, route.call, plan, run);
  else run();
}
