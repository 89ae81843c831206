/**
 * Issue 8 §3 (server part): hostile input gets short, specific refusals and bounded memory. A huge
 * `{index:N}` width or any unbounded number is a short 400, no problem message echoes a huge value,
 * an `Authorization` longer than a real token can be is errno 1, the token cache is bounded by bytes,
 * and `CONNECT` gets the 400 the docs promise.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import { MAX_AUTHORIZATION_BYTES } from '../../../src/server/auth.ts';
import { deviceClient, PID, productToken, seedFleet, startTestServer, type TestServer } from './helpers.ts';
import { expectReadable, RawConnection } from './raw-connection.ts';

describe('hostile input to the reference server', () => {
  let t: TestServer;
  const post = async (path: string, body: unknown, method: 'POST' | 'PUT' = 'POST') => {
    const r = await request(`${t.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.body.text();
    return {
      status: r.statusCode,
      text,
      code: (JSON.parse(text) as { error?: { code: string } }).error?.code,
    };
  };
  const deviceCount = async () => (await t.admin.getProduct(PID)).devices;

  beforeAll(async () => {
    t = await startTestServer();
    await seedFleet(t, { count: 2 });
  });
  afterAll(() => t.close());

  it.each(['{index:600000000}', '{index:100000000}', 'd{index:65}'])(
    'refuses namePattern %s with a short 400 and creates nothing',
    async (namePattern) => {
      const before = await deviceCount();
      const r = await post(`/api/products/${PID}/devices`, { namePattern, count: 1 });
      expect(r.status).toBe(400);
      expect(r.code).toBe('BAD_REQUEST');
      expect(r.text).toMatch(/width/);
      expect(r.text.length).toBeLessThan(2000);
      expect(await deviceCount()).toBe(before);
    },
  );

  it('still accepts the widest useful width, {index:64}', async () => {
    const r = await post(`/api/products/${PID}/devices`, { namePattern: '{index:64}', count: 1 });
    expect(r.status).toBe(201);
  });

  it.each([
    ['seed', { count: 1, prefix: 's', seed: 1e300 }],
    ['weights', { count: 1, prefix: 'w', versions: { f_version: { V1: 1e300 } } }],
    ['start', { count: 1, prefix: 'n', start: 1e300 }],
  ])('refuses an unbounded number (%s) with 400', async (_, body) => {
    const r = await post(`/api/products/${PID}/devices`, body);
    expect(r.status).toBe(400);
  });

  it('never echoes a huge key or 20 000 problems back: the 400 stays short', async () => {
    const hugeKey = await post(`/api/products/${PID}/devices`, { count: 1, ['k'.repeat(500_000)]: 1 });
    expect(hugeKey.status).toBe(400);
    expect(hugeKey.text.length).toBeLessThan(2000);
    const many = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`key${i}`, i]));
    const manyKeys = await post(`/api/products/${PID}/devices`, { count: 1, ...many });
    expect(manyKeys.status).toBe(400);
    expect(manyKeys.text.length).toBeLessThan(2000);
    expect(manyKeys.text).toMatch(/nrecognized key/);
    const faults = await post('/api/faults', { ['c'.repeat(100_000)]: { latencyMs: 1 } }, 'PUT');
    expect(faults.status).toBe(400);
    expect(faults.text.length).toBeLessThan(2000);
    const route = await request(`${t.url}/api/${'x'.repeat(10_000)}`);
    expect(route.statusCode).toBe(404);
    expect((await route.body.text()).length).toBeLessThan(2000);
  });

  it('refuses an Authorization longer than a real token can be: errno 1, a short reply, nothing cached', async () => {
    const valid = productToken();
    const d = deviceClient(t.url, PID, 'd1', valid);
    expect((await d.queryVersion()).env.errno).toBe(Errno.OK);
    const cached = (await t.admin.stats()).tokenCache;
    const padded = `${valid}&pad=${'x'.repeat(15_000)}`;
    expect(padded.length).toBeGreaterThan(MAX_AUTHORIZATION_BYTES);
    const c = new RawConnection(t.server.port);
    const r = await c.send(
      `GET /ota/${PID}/d1/version HTTP/1.1\r\nHost: x\r\nAuthorization: ${padded}\r\n\r\n`,
    );
    c.close();
    expectReadable(r, 'json');
    expect(JSON.parse(r.body.toString())).toMatchObject({ errno: Errno.AUTH_FAILED });
    expect((await t.admin.stats()).tokenCache).toBe(cached);
  });

  it('answers CONNECT with a 400 envelope and keeps serving', async () => {
    const c = new RawConnection(t.server.port);
    const r = await c.send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    c.close();
    expect(r.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expectReadable(r, 'json');
    expect(JSON.parse(r.body.toString())).toMatchObject({ errno: Errno.BAD_PARAM });
    expect((await deviceClient(t.url, PID, 'd1').queryVersion()).env.errno).toBe(Errno.OK);
  });
});

describe('the token cache is bounded by bytes', () => {
  it('keeps at most tokenCacheBytes of verified tokens however many distinct ones arrive', async () => {
    const t = await startTestServer({ tokenCacheBytes: 4096 });
    try {
      await seedFleet(t, { count: 1 });
      const now = Math.floor(Date.now() / 1000);
      for (let i = 0; i < 60; i++) {
        const d = deviceClient(t.url, PID, 'd1', productToken(PID, undefined, { et: now + 3600 + i }));
        expect((await d.queryVersion()).env.errno).toBe(Errno.OK);
      }
      const stats = await t.admin.stats();
      expect(stats.tokenCacheBytes).toBeLessThanOrEqual(4096);
      expect(stats.tokenCache).toBeGreaterThan(0);
      expect(stats.tokenCache).toBeLessThan(60);
    } finally {
      await t.close();
    }
  });
});
