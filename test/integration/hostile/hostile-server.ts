/**
 * A hostile OTA target on 127.0.0.1 port 0, on raw TCP so that it can break HTTP itself. Each device
 * gets one misbehaviour, chosen by its index in the path (`/ota/{pid}/dev-NN/...`): slow drip, endless
 * chunked body, oversize JSON, a non-HTTP status line, 2 MB of headers, a close mid-body, a download
 * truncated before its Content-Length, a stall; `healthy` devices get proper replies (no task).
 */

import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { encodeCheckTask } from '../../../src/ota/payloads.ts';

/** The misbehaviours, in the order devices are assigned them (device i gets KINDS[(i-1) % n]). */
export const KINDS = [
  'healthy',
  'drip',
  'endless-chunked',
  'oversize-json',
  'bad-status-line',
  'huge-headers',
  'close-mid-body',
  'truncated-download',
  'stall',
] as const;
export type Kind = (typeof KINDS)[number];

/** The hostile target: its URL, how many requests it received (per kind) and a close. */
export interface HostileServer {
  url: string;
  received: Record<Kind, number>;
  /** Download requests of the truncated-download devices. */
  readonly downloads: number;
  total(): number;
  close(): Promise<void>;
}

const DOWNLOAD_SIZE = 100_000;

function kindOf(path: string): Kind {
  const m = /\/dev-(\d+)\//.exec(path);
  const i = m ? Number(m[1]) : 1;
  return KINDS[(i - 1) % KINDS.length]!;
}

function json(sock: Socket, body: string, close: boolean): void {
  sock.write(
    `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${close ? 'Connection: close\r\n' : ''}\r\n${body}`,
  );
  if (close) sock.end();
}

/** Writes `next()` pieces while the socket drains, until `next` returns undefined or the socket dies. */
function pump(sock: Socket, next: () => Buffer | string | undefined): void {
  const go = () => {
    for (;;) {
      if (sock.destroyed) return;
      const piece = next();
      if (piece === undefined) return;
      if (!sock.write(piece)) {
        sock.once('drain', go);
        return;
      }
    }
  };
  go();
}

const MB = Buffer.alloc(1 << 20, 0x20);
const KB16 = Buffer.alloc(16_384, 0x20);

function misbehave(kind: Kind, sock: Socket, path: string, close: boolean): void {
  const call = path.split('?')[0]!;
  const isCheck = /\/ota\/[^/]+\/[^/]+\/check$/.test(call);
  const isDownload = /\/download\/?$/.test(call);
  if (kind === 'healthy' || (kind === 'truncated-download' && !isDownload)) {
    if (kind === 'truncated-download' && isCheck) {
      const data = encodeCheckTask({
        target: 'V2',
        tid: 7,
        size: DOWNLOAD_SIZE,
        md5: 'a'.repeat(32),
        status: 1,
        type: 1,
      });
      json(sock, encodeEnvelope('studio', 0, data), close);
      return;
    }
    json(sock, encodeEnvelope('studio', isCheck ? 11 : 0), close);
    return;
  }
  switch (kind) {
    case 'drip': {
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n');
      const t = setInterval(() => (sock.destroyed ? clearInterval(t) : sock.write(' ')), 100);
      sock.once('close', () => clearInterval(t));
      return;
    }
    case 'endless-chunked':
      sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
      pump(sock, () => Buffer.concat([Buffer.from('4000\r\n'), KB16, Buffer.from('\r\n')]));
      return;
    case 'oversize-json': {
      sock.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${10 * MB.length}\r\n\r\n`,
      );
      let left = 10;
      pump(sock, () => (left-- > 0 ? MB : undefined));
      return;
    }
    case 'bad-status-line':
      sock.end('HTPT/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}');
      return;
    case 'huge-headers': {
      sock.write('HTTP/1.1 200 OK\r\n');
      let left = 2048;
      pump(sock, () => (left-- > 0 ? `X-Pad-${left}: ${'p'.repeat(1000)}\r\n` : undefined));
      return;
    }
    case 'close-mid-body':
      sock.write(
        'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n{"errno":0,',
      );
      setImmediate(() => sock.destroy());
      return;
    case 'truncated-download':
      sock.write(
        `HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${DOWNLOAD_SIZE}\r\nOta-Errno: 0\r\n\r\n`,
      );
      sock.write(Buffer.alloc(DOWNLOAD_SIZE / 2, 1), () => sock.destroy());
      return;
    case 'stall':
      return;
  }
}

/** Starts the hostile target. */
export async function startHostileServer(): Promise<HostileServer> {
  const received = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  const sockets = new Set<Socket>();
  let downloads = 0;
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => {});
    sock.on('close', () => sockets.delete(sock));
    let buf = Buffer.alloc(0);
    let busy = false; // one request at a time per connection (undici does not pipeline by default)
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (!busy) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const lines = head.split('\r\n');
        const path = (lines[0] ?? '').split(' ')[1] ?? '';
        const headers = new Map(
          lines
            .slice(1)
            .map((l) => [
              l.slice(0, l.indexOf(':')).trim().toLowerCase(),
              l.slice(l.indexOf(':') + 1).trim(),
            ]),
        );
        const len = Number(headers.get('content-length') ?? 0);
        if (buf.length < end + 4 + len) return;
        buf = buf.subarray(end + 4 + len);
        const kind = kindOf(path);
        received[kind]++;
        if (kind === 'truncated-download' && /\/download\/?$/.test(path)) downloads++;
        const close = headers.get('connection')?.toLowerCase() === 'close';
        // a healthy reply frees the connection for the next request; a misbehaving one holds it
        if (kind !== 'healthy' && !(kind === 'truncated-download' && !/\/download\/?$/.test(path)))
          busy = true;
        misbehave(kind, sock, path, close);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    get downloads() {
      return downloads;
    },
    total: () => Object.values(received).reduce((a, b) => a + b, 0),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
