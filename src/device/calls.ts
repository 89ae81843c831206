/**
 * A device's protocol client: one OTA call → a classified `CallOutcome`, recorded into the worker's
 * Recorder, with retry and exponential back-off (full jitter) for transport errors and 5xx. Never throws.
 */
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../error-codes.ts';
import type { Recorder } from '../metrics/recorder.ts';
import { type Envelope, parseEnvelope } from '../ota/envelope.ts';
import type { OtaCall } from '../ota/routes.ts';
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

/** What every call of one device shares. */
export interface CallContext {
  dispatcher: Dispatcher;
  reset: boolean;
  headers: Record<string, string>;
  /** `headers` plus `Content-Type: application/json`, for POST calls. */
  postHeaders: Record<string, string>;
  timeoutMs: number;
  recorder: Recorder;
  clock: Clock;
  rng: Rng;
  retry: RetryPolicy;
  /** errnos that are a normal answer for this call (e.g. no-task on check), not errors. */
  expected?: ReadonlySet<number>;
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
    const headers = body === undefined ? ctx.headers : ctx.postHeaders;
    const spec: RequestSpec = {
      method,
      path,
      headers,
      timeoutMs: ctx.timeoutMs,
      intendedAt: at,
      reset: ctx.reset,
    };
    if (body !== undefined) spec.body = body;
    const reply = await sendRequest(ctx.dispatcher, spec);
    let outcome: CallOutcome;
    if (reply.ok) {
      const c = classifyReply(reply, ctx.expected);
      outcome = c.outcome;
      if (c.error)
        ctx.recorder.recordCall(
          call,
          reply.micros,
          c.error,
          c.tag === undefined ? undefined : { detail: c.tag },
        );
      else ctx.recorder.recordCall(call, reply.micros);
    } else {
      outcome = { kind: 'failed', code: reply.code, detail: reply.detail, retryable: true };
      ctx.recorder.recordCall(call, reply.micros, reply.code);
    }
    if (outcome.kind === 'reply' || !outcome.retryable || attempt >= ctx.retry.max || ctx.clock.stopped)
      return outcome;
    attempt++;
    ctx.recorder.count('request_retries');
    await ctx.clock.sleep(backoffDelay(ctx.retry, attempt, ctx.rng.next()));
    at = ctx.clock.now();
  }
}
