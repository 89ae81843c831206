/**
 * Downloading a package as a device does: whole or in Range chunks, resumable from a saved offset,
 * verifying `Ota-Errno`, the returned bounds, size and md5 while streaming, with an optional bandwidth
 * cap and the profile's download faults. Progress steps go out between chunks (one connection, like a device).
 */
import { createHash, type Hash } from 'node:crypto';
import type { ErrorCode } from '../error-codes.ts';
import { Header, OtaErrno } from '../ota/codes.ts';
import { formatRange } from '../ota/range.ts';
import { streamRequest } from '../transport/request.ts';
import { type CallContext, sampleFailure } from './calls.ts';
import type { FaultPlan } from './faults.ts';

/** The package bytes a device has saved so far ("flash"), kept across reboots and resumes. */
export interface SavedDownload {
  tid: string;
  size: number;
  md5: string;
  offset: number;
  hash: Hash;
  complete: boolean;
  /** The last download request broke off; the next one that gets bytes is a resume. */
  interrupted: boolean;
}

/** Download settings of a profile. */
export interface DownloadSettings {
  chunkSize: number;
  bandwidth?: number;
  timeoutMs: number;
}

/** How one download request ended. */
export type ChunkResult =
  | { kind: 'progress' }
  | { kind: 'complete' }
  /** `Ota-Errno: 5`: the task was cancelled or expired (the task-state call tells which). */
  | { kind: 'task-ended' }
  | { kind: 'error'; code: ErrorCode; retryable: boolean }
  | { kind: 'fault'; fault: 'abort' | 'low-battery' | 'reboot' };

/** Starts (or keeps) the saved download of a task. */
export function savedFor(
  saved: SavedDownload | undefined,
  tid: string,
  size: number,
  md5: string,
): SavedDownload {
  if (saved && saved.tid === tid && saved.size === size) return saved;
  return { tid, size, md5, offset: 0, hash: createHash('md5'), complete: false, interrupted: false };
}

function header(h: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Which fault strikes in the byte window [from, to), if any, given the plan's fractions of `size`. */
function faultIn(
  plan: FaultPlan,
  size: number,
  from: number,
  to: number,
): 'abort' | 'low-battery' | 'reboot' | 'stall' | undefined {
  const inWin = (f?: number) => f !== undefined && f * size >= from && f * size < to;
  if (inWin(plan.lowBatteryAt)) return 'low-battery';
  if (inWin(plan.rebootAt)) return 'reboot';
  if (inWin(plan.abortAt)) return 'abort';
  if (inWin(plan.stallAt)) return 'stall';
  return undefined;
}

/** Failures that mean the body ended early (not a deadline or a stop). */
function isBreak(code: ErrorCode): boolean {
  return code === 'ERR_TRANSPORT_RESET' || code === 'ERR_TRANSPORT_BAD_HTTP';
}

/**
 * Sends one download request from `saved.offset` (a chunk, or the rest) and streams it into `saved`.
 * Faults fire once: the plan entry is removed when it strikes.
 */
export async function downloadStep(
  ctx: CallContext,
  path: string,
  saved: SavedDownload,
  settings: DownloadSettings,
  plan: FaultPlan,
): Promise<ChunkResult> {
  const start = saved.offset;
  const end = settings.chunkSize > 0 ? Math.min(saved.size, start + settings.chunkSize) - 1 : undefined;
  const base = ctx.credentials.headers();
  const headers = start === 0 && end === undefined ? base : { ...base, Range: formatRange(start, end) };
  const t0 = ctx.clock.now();
  const want = (end === undefined ? saved.size : end + 1) - start;
  // the device's own slowness (bandwidth cap, a planned stall) is not counted against the deadline
  let ownTimeMs = settings.bandwidth ? (want / settings.bandwidth) * 1000 : 0;
  if (plan.stallAt !== undefined && faultIn(plan, saved.size, start, start + want) === 'stall')
    ownTimeMs += plan.stallMs;
  let contentLength = -1;
  let otaErrno = 0;
  let boundsOk = true;
  let struck: 'abort' | 'low-battery' | 'reboot' | undefined;
  const reply = await streamRequest(
    ctx.dispatcher,
    {
      call: 'download',
      method: 'GET',
      path,
      headers,
      timeoutMs: settings.timeoutMs,
      intendedAt: t0,
      reset: ctx.reset,
    },
    (status, h) => {
      otaErrno = Number(header(h, Header.OTA_ERRNO) ?? 0);
      const cl = header(h, Header.CONTENT_LENGTH);
      if (cl !== undefined && /^\d+$/.test(cl)) contentLength = Number(cl);
      if (status !== 200 && status !== 206) return false;
      if (otaErrno !== 0) return false;
      const rs = header(h, Header.CONTENT_RANGE_START);
      if (start > 0 || end !== undefined)
        boundsOk = status === 206 && (rs === undefined || Number(rs) === start);
      return boundsOk;
    },
    async (chunk) => {
      const from = saved.offset;
      const to = Math.min(saved.size, from + chunk.length);
      const f = faultIn(plan, saved.size, from, to);
      if (f === 'stall') {
        delete plan.stallAt;
        await ctx.clock.sleep(plan.stallMs);
      } else if (f) {
        if (f === 'abort') delete plan.abortAt;
        if (f === 'reboot') delete plan.rebootAt;
        if (f === 'low-battery') delete plan.lowBatteryAt;
        struck = f;
        return 'abort';
      }
      if (to - from < chunk.length) return 'abort';
      saved.hash.update(chunk);
      saved.offset = to;
      if (settings.bandwidth) {
        const dueMs = ((saved.offset - start) / settings.bandwidth) * 1000;
        const ahead = dueMs - (ctx.clock.now() - t0);
        if (ahead > 5) await ctx.clock.sleep(ahead);
      }
      return 'continue';
    },
    ctx.inFlight ? { registry: ctx.inFlight, ownTimeMs } : { ownTimeMs },
  );
  const sample = (code: ErrorCode, extra: Parameters<typeof sampleFailure>[5]) =>
    sampleFailure(ctx, 'download', 'GET', path, code, extra);
  if (!reply.ok) {
    ctx.recorder.recordCall('download', reply.micros, reply.code);
    sample(reply.code, { detail: reply.detail });
    return { kind: 'error', code: reply.code, retryable: reply.code !== 'ERR_CUT_BY_STOP' };
  }
  ctx.recorder.count('ota_download_bytes', saved.offset - start);
  if (reply.status !== 200 && reply.status !== 206) {
    ctx.recorder.recordCall('download', reply.micros, 'ERR_HTTP_STATUS', { detail: String(reply.status) });
    sample('ERR_HTTP_STATUS', { status: reply.status, errno: otaErrno });
    return { kind: 'error', code: 'ERR_HTTP_STATUS', retryable: reply.status >= 500 };
  }
  if (otaErrno !== OtaErrno.OK) {
    const ended = otaErrno === OtaErrno.TASK_CANCELLED_OR_EXPIRED;
    ctx.recorder.recordCall(
      'download',
      reply.micros,
      ended ? undefined : 'ERR_OTA_DOWNLOAD_ERRNO',
      ended ? undefined : { detail: String(otaErrno) },
    );
    if (ended) return { kind: 'task-ended' };
    sample('ERR_OTA_DOWNLOAD_ERRNO', { status: reply.status, errno: otaErrno });
    return { kind: 'error', code: 'ERR_OTA_DOWNLOAD_ERRNO', retryable: false };
  }
  if (!boundsOk) {
    ctx.recorder.recordCall('download', reply.micros, 'ERR_OTA_RANGE_MISMATCH');
    sample('ERR_OTA_RANGE_MISMATCH', {
      status: reply.status,
      detail: `asked ${formatRange(start, end)}, got start ${String(header(reply.headers, Header.CONTENT_RANGE_START))}`,
    });
    return { kind: 'error', code: 'ERR_OTA_RANGE_MISMATCH', retryable: true };
  }
  if (reply.failure) {
    // the body broke off: fewer bytes than Content-Length is a truncated download
    const got = reply.bytes;
    const code: ErrorCode =
      contentLength >= 0 && got < contentLength && isBreak(reply.failure.code)
        ? 'ERR_DOWNLOAD_TRUNCATED'
        : reply.failure.code;
    ctx.recorder.recordCall('download', reply.micros, code);
    sample(code, {
      status: reply.status,
      detail:
        code === 'ERR_DOWNLOAD_TRUNCATED'
          ? `${got} of ${contentLength} bytes (${reply.failure.detail})`
          : reply.failure.detail,
    });
    return { kind: 'error', code, retryable: code !== 'ERR_CUT_BY_STOP' };
  }
  ctx.recorder.recordCall('download', reply.micros);
  ctx.recorder.recordDuration('ota_download_ttfb', reply.ttfbMicros);
  if (struck) return { kind: 'fault', fault: struck };
  const expectedEnd = end === undefined ? saved.size : end + 1;
  if (saved.offset < expectedEnd) {
    // the server closed the body early (a truncated reply): resume from here
    ctx.recorder.count('errors', 1, { code: 'ERR_OTA_SIZE_MISMATCH', call: 'download' });
    sample('ERR_OTA_SIZE_MISMATCH', {
      status: reply.status,
      detail: `${saved.offset - start} of ${want} bytes`,
    });
    return { kind: 'error', code: 'ERR_OTA_SIZE_MISMATCH', retryable: true };
  }
  if (saved.offset >= saved.size) {
    saved.complete = true;
    return { kind: 'complete' };
  }
  return { kind: 'progress' };
}
