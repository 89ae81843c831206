/**
 * Writes device replies the official C SDK can read (spec §6): headers in canonical case through the
 * raw-array form of writeHead, `Content-Length` always, no `Date`, at most 10 header lines in all
 * (Node adds `Connection` and `Keep-Alive`), JSON replies well under 512 bytes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Header, JSON_CONTENT_TYPE, MAX_PACKAGE_BYTES, OtaErrno } from '../ota/codes.ts';
import { type Dialect, encodeEnvelope } from '../ota/envelope.ts';

/** A 32 lower-case hex request id for the fuse dialect. */
export function newRequestId(): string {
  return randomUUID().replaceAll('-', '');
}

/** Sends a protocol envelope (HTTP 200 unless `httpStatus` says otherwise). */
export function sendEnvelope(
  res: ServerResponse,
  dialect: Dialect,
  errno: number,
  data?: unknown,
  httpStatus = 200,
): void {
  const body = encodeEnvelope(dialect, errno, data, dialect === 'fuse' ? newRequestId() : undefined);
  res.sendDate = false;
  res.writeHead(httpStatus, [
    Header.CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    Header.CONTENT_LENGTH,
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

/** Sends a download error: `Ota-Errno: n`, `Content-Length: 0` and no body (HTTP 200 unless told). */
export function sendDownloadError(res: ServerResponse, otaErrno: number, httpStatus = 200): void {
  res.sendDate = false;
  res.writeHead(httpStatus, [Header.CONTENT_LENGTH, '0', Header.OTA_ERRNO, String(otaErrno)]);
  res.end();
}

/** One download reply: the status, inclusive bounds and the package's total size and file name. */
export interface DownloadReply {
  status: 200 | 206;
  start: number;
  end: number;
  total: number;
  fileName: string;
}

/** The longest reply head a C SDK reads (spec §6): status line and headers, with the blank line. */
export const MAX_REPLY_HEAD_BYTES = 512;

// What Node adds to every kept-alive reply (`keepAliveTimeout: 5000`).
const NODE_ADDED_LINES = 'Connection: keep-alive\r\nKeep-Alive: timeout=5\r\n';

function headerLines(headers: readonly string[]): string {
  let text = '';
  for (let i = 0; i < headers.length; i += 2) text += `${headers[i]}: ${headers[i + 1]}\r\n`;
  return text;
}

function rangeHeaders(r: Omit<DownloadReply, 'fileName'>): string[] {
  const headers = [
    Header.CONTENT_TYPE,
    'application/octet-stream',
    Header.CONTENT_LENGTH,
    String(r.end - r.start + 1),
  ];
  if (r.status === 206) headers.push(Header.CONTENT_RANGE, `bytes ${r.start}-${r.end}/${r.total}`);
  headers.push(
    Header.CONTENT_RANGE_START,
    String(r.start),
    Header.CONTENT_RANGE_END,
    String(r.end),
    Header.OTA_ERRNO,
    String(OtaErrno.OK),
  );
  return headers;
}

// The longest value a Content-Disposition may have: what is left of the 512 bytes when every other
// line of the longest download head (a 206 of a 30 MB package) is written.
const DISPOSITION_BUDGET = (() => {
  const n = MAX_PACKAGE_BYTES - 1;
  const worst = rangeHeaders({ status: 206, start: n, end: n, total: MAX_PACKAGE_BYTES });
  const head = `HTTP/1.1 206 Partial Content\r\n${headerLines(worst)}${NODE_ADDED_LINES}\r\n`;
  return MAX_REPLY_HEAD_BYTES - head.length - `${Header.CONTENT_DISPOSITION}: \r\n`.length;
})();

// RFC 5987 attr-char: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~; everything else is percent-encoded.
function encodeExtValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function dispositionOf(fileName: string): string {
  if (/^[\x20-\x7e]*$/.test(fileName) && !/["\\]/.test(fileName)) {
    return `attachment; filename="${fileName}"`;
  }
  // Each run of characters outside printable ASCII (and quote/backslash) becomes one `_`.
  const fallback = fileName.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]+/gu, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeExtValue(fileName)}`;
}

/**
 * `Content-Disposition` of a download (spec §3, §6): `attachment; filename="<file>"`; a name beyond
 * printable ASCII also gets an ASCII fallback in `filename` and its UTF-8 bytes in RFC 5987
 * `filename*=UTF-8''...`. A name too long for the 512-byte head loses characters before its extension
 * until the longest download head fits.
 */
export function contentDisposition(fileName: string): string {
  let value = dispositionOf(fileName);
  if (value.length <= DISPOSITION_BUDGET) return value;
  const dot = fileName.lastIndexOf('.');
  const ext = dot > 0 ? fileName.slice(dot) : '';
  const stem = [...(dot > 0 ? fileName.slice(0, dot) : fileName)];
  while (stem.length > 1) {
    stem.pop();
    value = dispositionOf(stem.join('') + ext);
    if (value.length <= DISPOSITION_BUDGET) return value;
  }
  return dispositionOf(stem.join('') + ext);
}

/** Header list of a download reply (7 lines for 206, 6 for 200; Node adds 2 more), head ≤ 512 bytes. */
export function downloadHeaders(r: DownloadReply): string[] {
  const headers = rangeHeaders(r);
  headers.splice(4, 0, Header.CONTENT_DISPOSITION, contentDisposition(r.fileName));
  return headers;
}

/** Sends JSON of the management API (not bound by the device limits), with `extra` header pairs. */
export function sendApiJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  extra: readonly string[] = [],
): void {
  const body = JSON.stringify(value);
  res.sendDate = false;
  res.writeHead(status, [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
    ...extra,
  ]);
  res.end(body);
}

/** Sends a management API error `{"error":{"code","message"}}`. */
export function sendApiError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: readonly string[] = [],
): void {
  sendApiJson(res, status, { error: { code, message } }, extra);
}

/** Result of reading a request body. */
export type BodyResult = { ok: true; body: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/**
 * Reads a request body of at most `limit` bytes. On `too-large` the reply that follows closes the
 * connection, so the rest of the body is never read.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<BodyResult> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    res.shouldKeepAlive = false;
    return Promise.resolve({ ok: false, reason: 'too-large' });
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (r: BodyResult): void => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        res.shouldKeepAlive = false;
        req.pause();
        settle({ ok: false, reason: 'too-large' });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => settle({ ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) }));
    req.on('error', () => settle({ ok: false, reason: 'aborted' }));
    req.on('close', () => settle({ ok: false, reason: 'aborted' }));
  });
}
