/**
 * The two reply envelopes of spec §1: `studio` ({errno,error,data}) and `fuse` ({code,msg,data,request_id}).
 * Encoding is used by the server; parsing (tolerant of both) by devices.
 */
import { ERRNO_TEXT } from './codes.ts';

/** Which body dialect a server speaks. */
export type Dialect = 'studio' | 'fuse';

/** A decoded reply, whatever dialect it came in. */
export interface Envelope {
  errno: number;
  message: string;
  data: unknown;
  requestId?: string;
}

/** Builds the JSON text of a reply in the given dialect; `requestId` is 32 lower-case hex (fuse only). */
export function encodeEnvelope(
  dialect: Dialect,
  errno: number,
  data?: unknown,
  requestId?: string,
  message: string = ERRNO_TEXT[errno] ?? 'error',
): string {
  if (dialect === 'studio') {
    return data === undefined
      ? JSON.stringify({ errno, error: message })
      : JSON.stringify({ errno, error: message, data });
  }
  const body: Record<string, unknown> = { code: errno, msg: message };
  if (data !== undefined) body.data = data;
  body.request_id = requestId ?? '';
  return JSON.stringify(body);
}

/** Result of parsing a reply body: the envelope, or why it is not one. */
export type EnvelopeParse = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Parses a reply body of either dialect; never throws. */
export function parseEnvelope(text: string): EnvelopeParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'reply body is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'reply body is not a JSON object' };
  }
  const o = value as Record<string, unknown>;
  if (typeof o.errno === 'number') {
    return {
      ok: true,
      envelope: { errno: o.errno, message: typeof o.error === 'string' ? o.error : '', data: o.data },
    };
  }
  if (typeof o.code === 'number') {
    const env: Envelope = { errno: o.code, message: typeof o.msg === 'string' ? o.msg : '', data: o.data };
    if (typeof o.request_id === 'string') env.requestId = o.request_id;
    return { ok: true, envelope: env };
  }
  return { ok: false, reason: 'reply has neither errno nor code' };
}
