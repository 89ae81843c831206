/**
 * One timed HTTP request through undici → a plain result. Never throws: socket failures come back as
 * `{ ok: false, code }`. Latency is measured from `intendedAt` (the time the caller meant to send), so
 * a late event loop or a queue in front of a slow server shows in the numbers (coordinated omission).
 * `timeoutMs` is a deadline for the whole exchange (headers and body), enforced through the worker's
 * in-flight registry; undici's idle timeouts (headers, body) stay as they were. A JSON reply is read
 * up to `MAX_JSON_REPLY_BYTES` and then cut (the socket dropped); a download is streamed.
 */
import { performance } from 'node:perf_hooks';
import type { Dispatcher } from 'undici';
import type { ErrorCode } from '../error-codes.ts';
import type { OtaCall } from '../ota/routes.ts';
import { classifyTransportError, TransportAbort } from './classify.ts';
import type { InFlightEntry, InFlightRegistry } from './in-flight.ts';

/** Largest JSON reply body read, bytes: the protocol's replies are a few hundred bytes. */
export const MAX_JSON_REPLY_BYTES = 64 * 1024;

/** What a device asks the transport to send. */
export interface RequestSpec {
  /** The device call (for the in-flight registry: a request cut by the stop is counted under it). */
  call: OtaCall;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Deadline of the whole exchange and idle timeout of headers and body, ms (0: none). */
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
  /** The underlying code or reason (e.g. undici's UND_ERR_HEADERS_OVERFLOW, HPE_INVALID_CONSTANT). */
  detail: string;
  micros: number;
}

/** Elapsed microseconds since a `performance.now()` value. */
export function microsSince(t0: number): number {
  const us = Math.round((performance.now() - t0) * 1000);
  return us > 0 ? us : 1;
}

function failure(err: unknown, t0: number): TransportFailure {
  const e = err as { code?: string; message?: string } | null;
  return {
    ok: false,
    code: classifyTransportError(err),
    detail: e?.code ?? e?.message ?? String(err),
    micros: microsSince(t0),
  };
}

const DEADLINE = new TransportAbort('ERR_TRANSPORT_DEADLINE', 'the exchange overran requestTimeout');
const TOO_LARGE = new TransportAbort('ERR_REPLY_TOO_LARGE', 'the JSON reply is larger than 64 KiB');

/**
 * The dispatch handler of one JSON request, also its in-flight list node (no closure per request).
 * Settles once: on completion, on error, or at its deadline (a request still queued in a busy pool
 * then settles at once and aborts when it gets a connection).
 */
class JsonExchange implements Dispatcher.DispatchHandler, InFlightEntry {
  prev: InFlightEntry | undefined = undefined;
  next: InFlightEntry | undefined = undefined;
  list: InFlightEntry['list'] = undefined;
  deadlineAt = 0;
  private status = 0;
  private bytes = 0;
  private first: Buffer | undefined = undefined;
  private more: Buffer[] | undefined = undefined;
  private abortFn: ((err: Error) => void) | undefined = undefined;
  private settled = false;
  private abortWith: Error | undefined = undefined;

  constructor(
    readonly call: OtaCall,
    readonly intendedAt: number,
    private readonly registry: InFlightRegistry | undefined,
    private readonly resolve: (r: HttpReply | TransportFailure) => void,
  ) {}

  private settle(r: HttpReply | TransportFailure): void {
    if (this.settled) return;
    this.settled = true;
    this.registry?.remove(this);
    this.first = undefined;
    this.more = undefined;
    this.resolve(r);
  }

  private cut(err: TransportAbort): void {
    this.abortWith = err;
    if (this.abortFn) this.abortFn(err);
    else this.settle(failure(err, this.intendedAt));
  }

  expire(): void {
    this.cut(DEADLINE);
  }

  onConnect(abort: (err?: Error) => void): void {
    this.abortFn = abort;
    if (this.abortWith) abort(this.abortWith);
  }

  onHeaders(statusCode: number): boolean {
    this.status = statusCode;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.bytes > MAX_JSON_REPLY_BYTES) {
      this.cut(TOO_LARGE);
      return false;
    }
    if (this.first === undefined) this.first = chunk;
    else {
      this.more ??= [this.first];
      this.more.push(chunk);
    }
    return true;
  }

  onComplete(): void {
    const body = this.more ? Buffer.concat(this.more).toString('utf8') : (this.first?.toString('utf8') ?? '');
    this.settle({ ok: true, status: this.status, body, micros: microsSince(this.intendedAt) });
  }

  onError(err: Error): void {
    this.settle(failure(this.abortWith ?? err, this.intendedAt));
  }
}

/**
 * Sends a request whose reply is small (JSON) and reads it whole (at most 64 KiB). Uses undici's
 * `dispatch` with a plain handler (no Readable stream per reply): this is the hot path of every poll.
 * With a registry the request is registered for its deadline and for the stop's count of cut requests.
 */
export function sendRequest(
  dispatcher: Dispatcher,
  spec: RequestSpec,
  registry?: InFlightRegistry,
): Promise<HttpReply | TransportFailure> {
  return new Promise((resolve) => {
    const handler = new JsonExchange(spec.call, spec.intendedAt, registry, resolve);
    registry?.add(handler, spec.timeoutMs);
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
      handler.onError(err as Error);
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

/** Extra options of a streamed download. */
export interface StreamOptions {
  registry?: InFlightRegistry;
  /**
   * Time the device itself means to spend on this exchange (its bandwidth cap, a planned stall), ms,
   * added to the deadline so that a device's own slowness is not counted against the server.
   */
  ownTimeMs?: number;
}

/** A streamed download's in-flight node: expiring it aborts the request through its signal. */
class StreamExchange implements InFlightEntry {
  prev: InFlightEntry | undefined = undefined;
  next: InFlightEntry | undefined = undefined;
  list: InFlightEntry['list'] = undefined;
  deadlineAt = 0;
  expired = false;
  readonly controller = new AbortController();
  constructor(
    readonly call: OtaCall,
    readonly intendedAt: number,
  ) {}
  expire(): void {
    this.expired = true;
    this.controller.abort(DEADLINE);
  }
}

/** Streams a download; `onHeaders` may refuse the body (an error reply), `onChunk` sees each buffer. */
export async function streamRequest(
  dispatcher: Dispatcher,
  spec: RequestSpec,
  onHeaders: (status: number, headers: Record<string, string | string[] | undefined>) => boolean,
  onChunk: (chunk: Buffer) => ChunkVerdict | Promise<ChunkVerdict>,
  opts: StreamOptions = {},
): Promise<StreamReply | TransportFailure> {
  const { registry } = opts;
  const entry = registry ? new StreamExchange(spec.call, spec.intendedAt) : undefined;
  if (entry && registry) registry.add(entry, spec.timeoutMs > 0 ? spec.timeoutMs + (opts.ownTimeMs ?? 0) : 0);
  const fail = (err: unknown) => failure(entry?.expired ? DEADLINE : err, spec.intendedAt);
  let res: Dispatcher.ResponseData;
  try {
    res = await dispatcher.request({
      method: spec.method,
      path: spec.path,
      headers: spec.headers,
      headersTimeout: spec.timeoutMs,
      bodyTimeout: spec.timeoutMs,
      reset: spec.reset ?? false,
      ...(entry ? { signal: entry.controller.signal } : {}),
    });
  } catch (err) {
    if (entry) registry?.remove(entry);
    return fail(err);
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
  try {
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
      reply.failure = fail(err);
    }
    if (reply.ttfbMicros === 0) reply.ttfbMicros = microsSince(spec.intendedAt);
    reply.micros = microsSince(spec.intendedAt);
    return reply;
  } finally {
    if (entry) registry?.remove(entry);
  }
}
