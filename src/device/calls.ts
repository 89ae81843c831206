/**
 * A device's protocol client: one OTA call → a classified `CallOutcome`, recorded into the worker's
 * Recorder, with retry and exponential back-off (full jitter) for transport errors and 5xx. Never throws.
 */
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../error-codes.ts';
import type { ErrorSample, Recorder } from '../metrics/recorder.ts';
import { type Envelope, parseEnvelope } from '../ota/envelope.ts';
import type { OtaCall } from '../ota/routes.ts';
import type { InFlightRegistry } from '../transport/in-flight.ts';
import { type HttpReply, type RequestSpec, sendRequest } from '../transport/request.ts';
import type { Clock } from './clock.ts';
import type { Rng } from './random.ts';

/** A call's result as the device state machine sees it. */
export type CallOutcome =
  | { kind: 'reply'; envelope: Envelope }
  | { kind: 'failed'; code: ErrorCode; detail: string; retryable: boolean };

/** Retry policy of a profile, in milliseconds. */
export interface RetryPolicy {
  max: number;
  baseDelay: number;
  maxDelay: number;
}

/**
 * A device's request headers (Authorization, optional Host), renewed before the token's `et`: read them
 * for each request, never keep them. Product-level tokens share one object across a worker's devices.
 */
export interface Credentials {
  headers(): Record<string, string>;
  /** `headers()` plus `Content-Type: application/json`, for POST calls. */
  postHeaders(): Record<string, string>;
}

/** Credentials that never change (tests, targets without keys). */
export function fixedCredentials(headers: Record<string, string>): Credentials {
  const post = { ...headers, 'Content-Type': 'application/json' };
  return { headers: () => headers, postHeaders: () => post };
}

/** Longest body excerpt kept in an error sample, characters. */
export const SAMPLE_BODY_CHARS = 200;

/** What every call of one device shares. */
export interface CallContext {
  dispatcher: Dispatcher;
  reset: boolean;
  credentials: Credentials;
  /** Deadline of one whole exchange (requestTimeout), ms. */
  timeoutMs: number;
  /** The worker's in-flight registry (deadlines, requests cut by the stop); absent in unit tests. */
  inFlight?: InFlightRegistry;
  recorder: Recorder;
  clock: Clock;
  rng: Rng;
  retry: RetryPolicy;
  /** errnos that are a normal answer for this call (e.g. no-task on check), not errors. */
  expected?: ReadonlySet<number>;
}

/** Offers one failed request to the recorder as a sample: never the Authorization value, a short body. */
export function sampleFailure(
  ctx: CallContext,
  call: OtaCall,
  method: string,
  path: string,
  code: ErrorCode,
  extra: { status?: number; errno?: number; body?: string; detail?: string },
): void {
  const sample: ErrorSample = { code, call, method, path, atMs: Date.now() };
  if (extra.status !== undefined) sample.status = extra.status;
  if (extra.errno !== undefined) sample.errno = extra.errno;
  if (extra.body !== undefined && extra.body.length > 0)
    sample.body = extra.body.length > SAMPLE_BODY_CHARS ? extra.body.slice(0, SAMPLE_BODY_CHARS) : extra.body;
  if (extra.detail !== undefined) sample.detail = extra.detail;
  ctx.recorder.sampleError(sample);
}

/** Turns an HTTP reply into an outcome and the error code to record (undefined: not an error). */
export function classifyReply(
  reply: HttpReply,
  expected?: ReadonlySet<number>,
): { outcome: CallOutcome; error?: ErrorCode; tag?: string } {
  if (reply.status !== 200) {
    const retryable = reply.status >= 500 || reply.status === 429;
    return {
      outcome: { kind: 'failed', code: 'ERR_HTTP_STATUS', detail: `HTTP ${reply.status}`, retryable },
      error: 'ERR_HTTP_STATUS',
      tag: String(reply.status),
    };
  }
  const parsed = parseEnvelope(reply.body);
  if (!parsed.ok) {
    return {
      outcome: { kind: 'failed', code: 'ERR_OTA_BAD_REPLY', detail: parsed.reason, retryable: true },
      error: 'ERR_OTA_BAD_REPLY',
    };
  }
  const errno = parsed.envelope.errno;
  if (errno === 0 || expected?.has(errno)) return { outcome: { kind: 'reply', envelope: parsed.envelope } };
  return {
    outcome: { kind: 'reply', envelope: parsed.envelope },
    error: 'ERR_OTA_ERRNO',
    tag: String(errno),
  };
}

/** Back-off before retry `attempt` (1-based): full jitter over min(maxDelay, base·2^(attempt-1)). */
export function backoffDelay(policy: RetryPolicy, attempt: number, u: number): number {
  const cap = Math.min(policy.maxDelay, policy.baseDelay * 2 ** (attempt - 1));
  return cap * u;
}

/**
 * Sends one OTA call, retrying retryable failures per policy. `intendedAt` is when the first attempt was
 * meant to go out (a poll's scheduled time); each retry is timed from its own intended time.
 */
export async function callOta(
  ctx: CallContext,
  call: OtaCall,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  intendedAt: number,
): Promise<CallOutcome> {
  let attempt = 0;
  let at = intendedAt;
  for (;;) {
    const headers = body === undefined ? ctx.credentials.headers() : ctx.credentials.postHeaders();
    const spec: RequestSpec = {
      call,
      method,
      path,
      headers,
      timeoutMs: ctx.timeoutMs,
      intendedAt: at,
      reset: ctx.reset,
    };
    if (body !== undefined) spec.body = body;
    const reply = await sendRequest(ctx.dispatcher, spec, ctx.inFlight);
    let outcome: CallOutcome;
    if (reply.ok) {
      const c = classifyReply(reply, ctx.expected);
      outcome = c.outcome;
      if (c.error) {
        ctx.recorder.recordCall(
          call,
          reply.micros,
          c.error,
          c.tag === undefined ? undefined : { detail: c.tag },
        );
        const extra: Parameters<typeof sampleFailure>[5] = { status: reply.status, body: reply.body };
        if (c.outcome.kind === 'reply') extra.errno = c.outcome.envelope.errno;
        else extra.detail = c.outcome.detail;
        sampleFailure(ctx, call, method, path, c.error, extra);
      } else ctx.recorder.recordCall(call, reply.micros);
    } else {
      outcome = {
        kind: 'failed',
        code: reply.code,
        detail: reply.detail,
        retryable: reply.code !== 'ERR_CUT_BY_STOP',
      };
      ctx.recorder.recordCall(call, reply.micros, reply.code);
      sampleFailure(ctx, call, method, path, reply.code, { detail: reply.detail });
    }
    if (outcome.kind === 'reply' || !outcome.retryable || attempt >= ctx.retry.max || ctx.clock.stopped)
      return outcome;
    attempt++;
    ctx.recorder.count('request_retries');
    await ctx.clock.sleep(backoffDelay(ctx.retry, attempt, ctx.rng.next()));
    at = ctx.clock.now();
  }
}
