/** A raw-socket HTTP client for the tests that hold replies to spec §6: it sees every byte. */
import { connect, type Socket } from 'node:net';
import { expect } from 'vitest';

/** One reply as read off the socket. */
export interface RawReply {
  statusLine: string;
  headerLines: string[];
  head: string;
  body: Buffer;
  total: number;
}

/** One socket; requests are sent one after another and each reply is read by its Content-Length. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private readonly socket: Socket;
  closed = false;
  constructor(port: number) {
    this.socket = connect(port, '127.0.0.1');
    this.socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.waiter?.();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    this.socket.on('error', () => undefined);
  }
  private async until(pred: () => boolean): Promise<void> {
    while (!pred()) {
      if (this.closed)
        throw new Error(`connection closed; got ${JSON.stringify(this.buf.toString('latin1'))}`);
      await new Promise<void>((r) => {
        this.waiter = r;
      });
    }
  }
  async send(text: string, readBody = true): Promise<RawReply> {
    this.socket.write(text);
    await this.until(() => this.buf.includes('\r\n\r\n'));
    const end = this.buf.indexOf('\r\n\r\n');
    const head = this.buf.subarray(0, end).toString('latin1');
    const [statusLine = '', ...headerLines] = head.split('\r\n');
    const lengthLine = headerLines.find((l) => l.startsWith('Content-Length: '));
    const length = lengthLine ? Number(lengthLine.slice(16)) : 0;
    const want = readBody ? length : 0;
    await this.until(() => this.buf.length >= end + 4 + want);
    const body = this.buf.subarray(end + 4, end + 4 + want);
    this.buf = this.buf.subarray(end + 4 + want);
    return { statusLine, headerLines, head, body: Buffer.from(body), total: end + 4 + want };
  }
  close(): void {
    this.socket.destroy();
  }
}

const CANONICAL = /^[A-Z][a-z0-9]*(-[A-Z][a-z0-9]*)*$/;

/** Holds one reply to the limits of spec §6. */
export function expectReadable(r: RawReply, kind: 'json' | 'download'): void {
  expect(r.statusLine.startsWith('HTTP/1.1 ')).toBe(true);
  expect(r.headerLines.length).toBeLessThanOrEqual(10);
  for (const line of r.headerLines) expect(line.slice(0, line.indexOf(':'))).toMatch(CANONICAL);
  expect(r.headerLines.some((l) => l.startsWith('Content-Length: '))).toBe(true);
  expect(r.head.toLowerCase()).not.toContain('transfer-encoding');
  if (kind === 'json') expect(r.total).toBeLessThanOrEqual(512);
  else expect(r.head.length + 4).toBeLessThanOrEqual(512);
}
