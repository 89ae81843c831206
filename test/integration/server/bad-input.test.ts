import { connect } from 'node:net';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { deviceClient, PID, productToken, seedFleet, startTestServer, type TestServer } from './helpers.ts';

/** True once `out` holds a whole response with a Content-Length (a kept-alive connection stays open). */
function completeResponse(out: string): boolean {
  const end = out.indexOf('\r\n\r\n');
  if (end < 0) return false;
  const m = /\r\ncontent-length:\s*(\d+)/i.exec(out.slice(0, end));
  return m !== null && out.length - (end + 4) >= Number(m[1]);
}

/**
 * Sends raw bytes on a fresh connection and returns everything the server writes before it closes or
 * has written a whole response; `waitMs` is a safety net (or, for a client that goes away, its wait).
 */
function raw(port: number, text: string | Buffer, waitMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const done = () => {
      s.destroy();
      resolve(out);
    };
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (completeResponse(out)) done();
    });
    s.on('close', done);
    s.on('error', done);
    s.write(text);
    setTimeout(done, waitMs);
  });
}

describe('bad input never crashes the server', () => {
  let t: TestServer;
  const alive = async () => (await deviceClient(t.url, PID, 'd1').queryVersion()).env.errno === 0;

  beforeAll(async () => {
    t = await startTestServer();
    await seedFleet(t, { count: 2 });
  });
  afterAll(() => t.close());

  it('answers malformed and oversized device bodies with 24 and keeps serving', async () => {
    const d = deviceClient(t.url, PID, 'd1');
    expect((await d.reportVersion('{"f_version": "V1", ')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d.reportVersion('null')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d.reportVersion('')).env.errno).toBe(Errno.BAD_BODY);
    const big = JSON.stringify({ f_version: 'V1', pad: 'x'.repeat(10_000) });
    expect((await d.reportVersion(big)).env.errno).toBe(Errno.BAD_BODY);
    const chunked = await raw(
      t.server.port,
      `POST /ota/${PID}/d1/version HTTP/1.1\r\nHost: x\r\nAuthorization: ${productToken()}\r\nTransfer-Encoding: chunked\r\n\r\n2000\r\n${'y'.repeat(0x2000)}\r\n`,
    );
    expect(chunked).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(chunked).toContain('"errno":24');
    expect(await alive()).toBe(true);
  });

  it('answers garbage requests and headers with 400/431 and an envelope, and keeps serving', async () => {
    const port = t.server.port;
    expect(await raw(port, 'GARBAGE\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request[\s\S]*"errno":2/);
    expect(await raw(port, 'GET /ota/p1/d1/version HTTP/1.1\r\nBad Header Line\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 400/,
    );
    expect(await raw(port, `GET / HTTP/1.1\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(
      /^HTTP\/1\.1 431/,
    );
    expect(await raw(port, Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]))).toMatch(/^HTTP\/1\.1 400/);
    await raw(port, 'GET /ota/p1/d1/vers', 100); // half a request, then the client goes away
    expect((await t.admin.stats()).other.clientErrors).toBeGreaterThanOrEqual(4);
    expect(await alive()).toBe(true);
  });

  it('treats a garbage Authorization as errno 1 and a garbage Range as the whole file', async () => {
    const d = deviceClient(t.url, PID, 'd1', 'version=2018-10-31&res=%ZZ&et=x&method=md9&sign=');
    expect((await d.queryVersion()).env.errno).toBe(Errno.AUTH_FAILED);
    const pkg = (await t.admin.listPackages(PID))[0]!;
    const batch = await t.admin.createBatch(pkg.id, { fromVersion: 'V1.0', devices: ['d2'] });
    const tid = (await t.admin.listTasks(batch.id)).tasks[0]!.tid;
    const dl = await deviceClient(t.url, PID, 'd2').download(tid, 'bytes=abc-\u00ff');
    expect(dl.status).toBe(200);
    expect(dl.body.length).toBe(pkg.size);
  });

  it('answers unknown routes and path tricks with HTTP 404 and errno 2', async () => {
    const paths = [
      '/',
      '/ota',
      `/ota/${PID}/d1/unknown`,
      `/ota/${PID}/..%2F..%2Fetc/version`,
      `/ota/${PID}/%2e%2e/version`,
      `/ota/${PID}/%E0%A4%A/version`,
      `/ota/${PID}/d1/1/2/3/download`,
      '/favicon.ico',
    ];
    for (const path of paths) {
      const r = await request(`${t.url}${path}`, { headers: { authorization: productToken() } });
      expect(r.statusCode, path).toBe(404);
      expect(await r.body.json()).toMatchObject({ errno: 2 });
    }
    const wrongMethod = await request(`${t.url}/ota/${PID}/d1/check?type=1&version=V1`, { method: 'DELETE' });
    expect(wrongMethod.statusCode).toBe(404);
    await wrongMethod.body.dump();
    expect(await alive()).toBe(true);
  });

  it('answers bad management requests with a JSON error and an HTTP status', async () => {
    const call = async (method: string, path: string, body?: string) => {
      const r = await request(`${t.url}${path}`, {
        method: method as 'GET',
        body,
        headers: {
          authorization: `Bearer ${t.server.adminToken}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
      return {
        status: r.statusCode,
        body: (await r.body.json()) as { error?: { code: string; message: string } },
      };
    };
    expect(await call('GET', '/api/nope')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    expect(await call('DELETE', '/api/products')).toMatchObject({ status: 405 });
    expect(await call('POST', '/api/products', '{"id":')).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    });
    expect(await call('POST', '/api/products', '{"id":"x","color":"red"}')).toMatchObject({ status: 400 });
    expect(await call('POST', '/api/products', JSON.stringify({ pad: 'x'.repeat(1_100_000) }))).toMatchObject(
      {
        status: 413,
        body: { error: { code: 'PAYLOAD_TOO_LARGE' } },
      },
    );
    expect(await call('POST', `/api/products/${PID}/devices`, '{"name":"../etc"}')).toMatchObject({
      status: 400,
    });
    expect(await call('POST', `/api/products/${PID}/devices`, '{"name":"d1"}')).toMatchObject({
      status: 409,
    });
    const bad = await call(
      'POST',
      `/api/products/${PID}/packages`,
      '{"name":"a/b","module":"xota","targetVersion":"V 1"}',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toMatch(/name.*module.*targetVersion/);
    expect(
      await call(
        'POST',
        `/api/products/${PID}/packages`,
        '{"name":"ok","module":"fota","targetVersion":"V1","fileName":"../x.bin","synthetic":{"size":9}}',
      ),
    ).toMatchObject({ status: 400 });
    expect(await call('GET', '/api/batches/abc')).toMatchObject({ status: 404 });
    expect(await call('GET', '/api/products/nope/devices')).toMatchObject({ status: 404 });
    expect(await alive()).toBe(true);
  });
});

describe('the admin token', () => {
  it('is optional on loopback, but a wrong one is refused', async () => {
    const t = await startTestServer();
    try {
      expect((await createAdminClient(t.url).health()).ok).toBe(true);
      await expect(createAdminClient(t.url, 'wrong-token').health()).rejects.toMatchObject({
        status: 401,
        code: 'ERR_EMBEDDED_SERVER',
      });
    } finally {
      await t.close();
    }
  });

  it('is required when configured (as beyond loopback)', async () => {
    const t = await startTestServer({ requireAdminToken: true, adminToken: 'secret-token-123' });
    try {
      expect(t.server.adminToken).toBe('secret-token-123');
      await expect(createAdminClient(t.url).health()).rejects.toMatchObject({
        status: 401,
        apiCode: 'UNAUTHORIZED',
      });
      expect((await createAdminClient(t.url, 'secret-token-123').health()).dialect).toBe('studio');
    } finally {
      await t.close();
    }
  });
});
