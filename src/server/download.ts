/**
 * Call 3, download: Range → 200/206 with `Content-Range`, `Content-Range-Start`/`-End`,
 * `Content-Disposition` and `Ota-Errno` on every reply; errors carry `Content-Length: 0`.
 * Faults may cut the body short (then close the connection) or flip bytes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Errno, OtaErrno, TaskStatus } from '../ota/codes.ts';
import { resolveRange } from '../ota/range.ts';
import type { MatchedRoute } from '../ota/routes.ts';
import type { AuthOutcome } from './auth.ts';
import type { ServerContext } from './context.ts';
import { DEMO_PRODUCT } from './demo.ts';
import { corruptBytes, type FaultPlan } from './faults.ts';
import { sendPaced } from './paced.ts';
import { downloadHeaders, sendDownloadError } from './reply.ts';
import { countReply } from './stats.ts';
import { parseTid, statusAfterDownload } from './task-machine.ts';

function fail(ctx: ServerContext, res: ServerResponse, otaErrno: number): void {
  countReply(ctx.stats, 'download', otaErrno);
  sendDownloadError(res, otaErrno);
}

function authErrno(auth: AuthOutcome): number {
  return auth.missing || auth.errno === Errno.OK ? OtaErrno.DEVICE_NOT_FOUND : OtaErrno.AUTH_FAILED;
}

/** Serves a download request whose token has been checked (`auth`). */
export function serveDownload(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: MatchedRoute,
  auth: AuthOutcome,
  plan: FaultPlan | undefined,
) {
  const device = auth.device;
  if (!device) return fail(ctx, res, authErrno(auth));
  const id = parseTid(route.tid);
  const task = id === undefined ? undefined : ctx.state.task(id);
  if (!task || task.deviceId !== device.id) return fail(ctx, res, OtaErrno.FILE_NOT_FOUND);
  if (task.status > TaskStatus.UPGRADING) return fail(ctx, res, OtaErrno.TASK_CANCELLED_OR_EXPIRED);
  const pkg = ctx.state.packages.get(task.packageId);
  const bytes = pkg && ctx.content.get(pkg);
  if (!pkg || !bytes) return fail(ctx, res, OtaErrno.NO_STORAGE_RESOURCE);
  const next = statusAfterDownload(task.status, ctx.options.downloadingOn);
  if (next !== task.status) {
    task.status = next;
    ctx.state.saveTask(task, Date.now());
  }
  const range = resolveRange(req.headers.range, pkg.size);
  const headers = downloadHeaders({ ...range, total: pkg.size, fileName: pkg.fileName });
  countReply(ctx.stats, 'download', OtaErrno.OK);
  res.sendDate = false;
  res.writeHead(range.status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  let body = bytes.subarray(range.start, range.end + 1);
  if (plan?.corruptBytes) {
    ctx.faults.counts.corrupt++;
    body = corruptBytes(body, plan.corruptBytes, ctx.faults.random);
  }
  if (plan?.truncateFraction !== undefined) {
    ctx.faults.counts.truncate++;
    const cut = body.subarray(0, Math.floor(body.length * plan.truncateFraction));
    ctx.stats.downloadBytes += cut.length;
    res.write(cut, () => res.destroy());
    return;
  }
  ctx.stats.downloadBytes += body.length;
  const rate = ctx.options.demoBandwidth;
  if (rate > 0 && device.pid === DEMO_PRODUCT) {
    sendPaced(res, body, rate, ctx.later);
    return;
  }
  res.end(body);
}
