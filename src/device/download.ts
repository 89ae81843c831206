/**
 * Downloading a package as a device does: whole or in Range chunks, resumable from a saved offset,
 * verifying `Ota-Errno`, the returned bounds, size and md5 while streaming, with an optional bandwidth
 * cap and the profile's download faults. Progress steps go out between chunks (one connection, like a device).
 */
import { createHash, type Hash } from 'node:crypto';
import type { ErrorCode } from '../error-codes.ts';
import { Header } from '../ota/codes.ts';
import { formatRange } from '../ota/range.ts';
import { streamRequest } from '../transport/request.ts';
import type { CallContext } from './calls.ts';
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
  | { kind: 'cancelled' }
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
  const headers =
    start === 0 && end === undefined ? ctx.headers : { ...ctx.headers, Range: formatRange(start, end) };
  const t0 = ctx.clock.now();
  let otaErrno = 0;
  let boundsOk = true;
  let struck: 'abort' | 'low-battery' | 'reboot' | undefined;
  const reply = await streamRequest(
    ctx.dispatcher,
    { method: 'GET', path, headers, timeoutMs: settings.timeoutMs, intendedAt: t0, reset: ctx.reset },
    (status, h) => {
      otaErrno = Number(header(h, Header.OTA_ERRNO) ?? 0);
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
  );
  if (!reply.ok) {
    ctx.recorder.recordCall('download', reply.micros, reply.code);
    return { kind: 'error', code: reply.code, retryable: true };
  }
  ctx.recorder.count('ota_download_bytes', saved.offset - start);
  if (reply.status !== 200 && reply.status !== 206) {
    ctx.recorder.recordCall('download', reply.micros, 'ERR_HTTP_STATUS', { detail: String(reply.status) });
    return { kind: 'error', code: 'ERR_HTTP_STATUS', retryable: reply.status >= 500 };
  }
  if (otaErrno !== 0) {
    const cancelled = otaErrno === 5;
    ctx.recorder.recordCall(
      'download',
      reply.micros,
      cancelled ? undefined : 'ERR_OTA_DOWNLOAD_ERRNO',
      cancelled ? undefined : { detail: String(otaErrno) },
    );
    return cancelled
      ? { kind: 'cancelled' }
      : { kind: 'error', code: 'ERR_OTA_DOWNLOAD_ERRNO', retryable: false };
  }
  if (!boundsOk) {
    ctx.recorder.recordCall('download', reply.micros, 'ERR_OTA_RANGE_MISMATCH');
    return { kind: 'error', code: 'ERR_OTA_RANGE_MISMATCH', retryable: true };
  }
  if (reply.failure) {
    ctx.recorder.recordCall('download', reply.micros, reply.failure.code);
    return { kind: 'error', code: reply.failure.code, retryable: true };
  }
  ctx.recorder.recordCall('download', reply.micros);
  ctx.recorder.recordDuration('ota_download_ttfb', reply.ttfbMicros);
  if (struck) return { kind: 'fault', fault: struck };
  const expectedEnd = end === undefined ? saved.size : end + 1;
  if (saved.offset < expectedEnd) {
    // the server closed the body early (a truncated reply): resume from here
    ctx.recorder.count('errors', 1, { code: 'ERR_OTA_SIZE_MISMATCH', call: 'download' });
    return { kind: 'error', code: 'ERR_OTA_SIZE_MISMATCH', retryable: true };
  }
  if (saved.offset >= saved.size) {
    saved.complete = true;
    return { kind: 'complete' };
  }
  return { kind: 'progress' };
}
