/**
 * Writes device replies the official C SDK can read (spec §6): headers in canonical case through the
 * raw-array form of writeHead, `Content-Length` always, no `Date`, at most 10 header lines in all
 * (Node adds `Connection` and `Keep-Alive`), JSON replies well under 512 bytes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Header, JSON_CONTENT_TYPE } from '../ota/codes.ts';
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

/** Header list of a download reply (7 lines for 206, 6 for 200; Node adds 2 more). */
export function downloadHeaders(r: DownloadReply): string[] {
  // Header values are latin1 on the wire: send the file name's UTF-8 bytes as they are.
  const fileName = Buffer.from(r.fileName, 'utf8').toString('latin1');
  const headers = [
    Header.CONTENT_TYPE,
    'application/octet-stream',
    Header.CONTENT_LENGTH,
    String(r.end - r.start + 1),
    Header.CONTENT_DISPOSITION,
    `attachment; filename="${fileName}"`,
  ];
  if (r.status === 206) headers.push(Header.CONTENT_RANGE, `bytes ${r.start}-${r.end}/${r.total}`);
  headers.push(
    Header.CONTENT_RANGE_START,
    String(r.start),
    Header.CONTENT_RANGE_END,
    String(r.end),
    Header.OTA_ERRNO,
    '0',
  );
  return headers;
}

/** Sends JSON of the management API (not bound by the device limits). */
export function sendApiJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.sendDate = false;
  res.writeHead(status, [
    'Content-Type',
    'application/json; charset=utf-8',
    'Content-Length',
    String(Buffer.byteLength(body)),
  ]);
  res.end(body);
}

/** Sends a management API error `{"error":{"code","message"}}`. */
export function sendApiError(res: ServerResponse, status: number, code: string, message: string): void {
  sendApiJson(res, status, { error: { code, message } });
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
