/**
 * One timed HTTP request through undici → a plain result. Never throws: socket failures come back as
 * `{ ok: false, code }`. Latency is measured from `intendedAt` (the time the caller meant to send), so
 * a late event loop or a queue in front of a slow server shows in the numbers (coordinated omission).
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../error-codes.ts';
import { classifyTransportError } from './classify.ts';

/** What a device asks the transport to send. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  /** `performance.now()` at which the request was meant to go out. */
  intendedAt: number;
  /** Send `Connection: close` and drop the socket afterwards. */
  reset?: boolean;
}

/** A reply that arrived whole. */
export interface HttpReply {
  ok: true;
  status: number;
  body: string;
  /** From intendedAt to the end of the body, microseconds. */
  micros: number;
}

/** A request that failed below HTTP. */
export interface TransportFailure {
  ok: false;
  code: ErrorCode;
  detail: string;
  micros: number;
}

/** Elapsed microseconds since a `performance.now()` value. */
export function microsSince(t0: number): number {
  const us = Math.round((performance.now() - t0) * 1000);
  return us > 0 ? us : 1;
}

function failure(err: unknown, t0: number): TransportFailure {
  const e = err as { code?: string; message?: string };
  return {
    ok: false,
    code: classifyTransportError(err),
    detail: e?.code ?? e?.message ?? String(err),
    micros: microsSince(t0),
  };
}

/**
 * Sends a request whose reply is small (JSON) and reads it whole. Uses undici's `dispatch` with a plain
 * handler (no Readable stream per reply): this is the hot path of every poll.
 */
export function sendRequest(
  dispatcher: Dispatcher,
  spec: RequestSpec,
): Promise<HttpReply | TransportFailure> {
  return new Promise((resolve) => {
    let status = 0;
    let first: Buffer | undefined;
    let more: Buffer[] | undefined;
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk) {
        if (first === undefined) first = chunk;
        else {
          more ??= [first];
          more.push(chunk);
        }
        return true;
      },
      onComplete() {
        const body = more ? Buffer.concat(more).toString('utf8') : (first?.toString('utf8') ?? '');
        resolve({ ok: true, status, body, micros: microsSince(spec.intendedAt) });
      },
      onError(err) {
        resolve(failure(err, spec.intendedAt));
      },
    };
    try {
      dispatcher.dispatch(
        {
          method: spec.method,
          path: spec.path,
          headers: spec.headers,
          body: spec.body ?? null,
          headersTimeout: spec.timeoutMs,
          bodyTimeout: spec.timeoutMs,
          reset: spec.reset ?? false,
        },
        handler,
      );
    } catch (err) {
      resolve(failure(err, spec.intendedAt));
    }
  });
}

/** What the download consumer says after each chunk. */
export type ChunkVerdict = 'continue' | 'abort';

/** A download reply, streamed: headers first, then the body chunk by chunk to `onChunk`. */
export interface StreamReply {
  ok: true;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  bytes: number;
  /** Time to first byte of the body (or to headers when the body is empty), microseconds from intendedAt. */
  ttfbMicros: number;
  micros: number;
  /** True when `onChunk` asked to stop before the end. */
  aborted: boolean;
  /** Set when the body broke off mid-way; bytes says how much arrived. */
  failure?: TransportFailure;
}

/** Streams a download; `onHeaders` may refuse the body (an error reply), `onChunk` sees each buffer. */
export async function streamRequest(
  dispatcher: Dispatcher,
  spec: RequestSpec,
  onHeaders: (status: number, headers: Record<string, string | string[] | undefined>) => boolean,
  onChunk: (chunk: Buffer) => ChunkVerdict | Promise<ChunkVerdict>,
): Promise<StreamReply | TransportFailure> {
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
      reset: spec.reset ?? false,
    });
  } catch (err) {
    return failure(err, spec.intendedAt);
  }
  const reply: StreamReply = {
    ok: true,
    status: res.statusCode,
    headers: res.headers,
    bytes: 0,
    ttfbMicros: 0,
    micros: 0,
    aborted: false,
  };
  if (!onHeaders(res.statusCode, res.headers)) {
    reply.ttfbMicros = microsSince(spec.intendedAt);
    await res.body.dump({ limit: 1 << 20 }).catch(() => {});
    reply.micros = microsSince(spec.intendedAt);
    return reply;
  }
  try {
    for await (const chunk of res.body) {
      if (reply.bytes === 0) reply.ttfbMicros = microsSince(spec.intendedAt);
      reply.bytes += (chunk as Buffer).length;
      const verdict = await onChunk(chunk as Buffer);
      if (verdict === 'abort') {
        reply.aborted = true;
        res.body.destroy();
        break;
      }
    }
  } catch (err) {
    reply.failure = failure(err, spec.intendedAt);
  }
  if (reply.ttfbMicros === 0) reply.ttfbMicros = microsSince(spec.intendedAt);
  reply.micros = microsSince(spec.intendedAt);
  return reply;
}
