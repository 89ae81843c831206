/**
 * Issue 8 §4: the management API is closed to other web pages. A cross-origin write (the CSRF request
 * of the issue), a forged Host (DNS rebinding), a write that is not JSON and a browser's cross-site
 * fetch are refused; same-origin and Node clients (the admin client, no Origin) are served; CORS
 * headers only for the origin `corsOrigin` names. Raw sockets, so every header is as sent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedFleet, startTestServer, type TestServer } from './helpers.ts';
import { RawConnection, type RawReply } from './raw-connection.ts';

async function send(port: number, text: string): Promise<RawReply & { json: unknown }> {
  const c = new RawConnection(port);
  try {
    const r = await c.send(text);
    const body = r.body.toString('utf8');
    return { ...r, json: body ? JSON.parse(body) : undefined };
  } finally {
    c.close();
  }
}

function req(method: string, path: string, headers: Record<string, string>, body = ''): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  const length = body || method !== 'GET' ? `Content-Length: ${Buffer.byteLength(body)}\r\n` : '';
  return `${method} ${path} HTTP/1.1\r\n${lines.join('')}${length}\r\n${body}`;
}

const header = (r: RawReply, name: string) =>
  r.headerLines.find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));

describe('the management API refuses other web pages', () => {
  let t: TestServer;
  let port: number;
  let pkgId: number;
  let host: string;
  const batches = async () => (await t.admin.listBatches(pkgId)).length;

  beforeAll(async () => {
    t = await startTestServer();
    port = t.server.port;
    host = `127.0.0.1:${port}`;
    pkgId = await seedFleet(t, { count: 3 });
  });
  afterAll(() => t.close());

  it('answers the CSRF request of the issue (text/plain, Origin http://evil.example) with 403, no batch', async () => {
    const r = await send(
      port,
      req(
        'POST',
        `/api/packages/${pkgId}/batches`,
        { Host: host, 'Content-Type': 'text/plain', Origin: 'http://evil.example' },
        '{"fromVersion":"V1.0"}',
      ),
    );
    expect(r.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(r.json).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(header(r, 'access-control-allow-origin')).toBeUndefined();
    expect(await batches()).toBe(0);
  });

  it('refuses a write that is not JSON with 415, even without Origin, and starts nothing', async () => {
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const r = await send(
        port,
        req(
          'POST',
          `/api/packages/${pkgId}/batches`,
          { Host: host, 'Content-Type': type },
          '{"fromVersion":"V1.0"}',
        ),
      );
      expect(r.statusLine, type).toBe('HTTP/1.1 415 Unsupported Media Type');
      expect(r.json).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    }
    const none = await send(port, req('POST', `/api/packages/${pkgId}/batches`, { Host: host }));
    expect(none.statusLine).toBe('HTTP/1.1 415 Unsupported Media Type');
    const upload = await send(
      port,
      req(
        'POST',
        '/api/products/p1/packages/upload?name=x&module=fota&targetVersion=V2&fileName=x.bin',
        {
          Host: host,
          'Content-Type': 'text/plain',
        },
        'abc',
      ),
    );
    expect(upload.statusLine).toBe('HTTP/1.1 415 Unsupported Media Type');
    expect(await batches()).toBe(0);
  });

  it('refuses a forged Host (DNS rebinding) with 403 without the access keys, and a missing Host with 400', async () => {
    for (const forged of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`]) {
      const r = await send(port, req('GET', '/api/products', { Host: forged }));
      expect(r.statusLine, forged).toBe('HTTP/1.1 403 Forbidden');
      expect(r.body.toString()).not.toContain('accessKey');
    }
    const missing = await send(port, 'GET /api/products HTTP/1.1\r\n\r\n');
    expect(missing.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expect(missing.body.toString()).not.toContain('accessKey');
  });

  it("refuses a browser's cross-site and same-site fetches without Origin (Sec-Fetch-Site)", async () => {
    for (const site of ['cross-site', 'same-site']) {
      const r = await send(port, req('GET', '/api/products', { Host: host, 'Sec-Fetch-Site': site }));
      expect(r.statusLine, site).toBe('HTTP/1.1 403 Forbidden');
    }
    const typed = await send(port, req('GET', '/api/products', { Host: host, 'Sec-Fetch-Site': 'none' }));
    expect(typed.statusLine).toBe('HTTP/1.1 200 OK');
  });

  it('serves loopback Host names and same-origin pages, without CORS headers', async () => {
    for (const name of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      const r = await send(port, req('GET', '/api/health', { Host: name }));
      expect(r.statusLine, name).toBe('HTTP/1.1 200 OK');
    }
    const same = await send(
      port,
      req(
        'POST',
        `/api/packages/${pkgId}/batches`,
        {
          Host: `localhost:${port}`,
          Origin: `http://localhost:${port}`,
          'Sec-Fetch-Site': 'same-origin',
          'Content-Type': 'application/json; charset=utf-8',
        },
        '{"fromVersion":"V1.0","devices":["d1"]}',
      ),
    );
    expect(same.statusLine).toBe('HTTP/1.1 201 Created');
    expect(header(same, 'access-control-allow-origin')).toBeUndefined();
    const preflight = await send(
      port,
      req('OPTIONS', '/api/products', { Host: host, Origin: 'http://localhost:5173' }),
    );
    expect(preflight.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(header(preflight, 'access-control-allow-origin')).toBeUndefined();
    expect(await batches()).toBe(1);
  });
});

describe('--cors-origin allows exactly one other origin', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('answers its preflight and requests with CORS headers; another origin still gets 403', async () => {
    t = await startTestServer({ corsOrigin: 'http://localhost:5173/' });
    const port = t.server.port;
    const host = `127.0.0.1:${port}`;
    const origin = 'http://localhost:5173';
    const pre = await send(
      port,
      req('OPTIONS', '/api/products', {
        Host: host,
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type',
      }),
    );
    expect(pre.statusLine).toBe('HTTP/1.1 204 No Content');
    expect(pre.headerLines).toContain(`Access-Control-Allow-Origin: ${origin}`);
    expect(header(pre, 'access-control-allow-headers')).toContain('Content-Type');
    const post = await send(
      port,
      req(
        'POST',
        '/api/products',
        { Host: host, Origin: origin, 'Content-Type': 'application/json' },
        '{"id":"c1"}',
      ),
    );
    expect(post.statusLine).toBe('HTTP/1.1 201 Created');
    expect(post.headerLines).toContain(`Access-Control-Allow-Origin: ${origin}`);
    const other = await send(
      port,
      req('GET', '/api/products', { Host: host, Origin: 'http://evil.example' }),
    );
    expect(other.statusLine).toBe('HTTP/1.1 403 Forbidden');
    expect(header(other, 'access-control-allow-origin')).toBeUndefined();
  });
});
