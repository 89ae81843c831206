import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, PID, productToken, seedFleet, startTestServer, type TestServer } from './helpers.ts';

const SIZE = 64 * 1024;

describe('fault injection', () => {
  let t: TestServer;
  let tid: number;
  const d = () => deviceClient(t.url, PID, 'd1');

  beforeAll(async () => {
    t = await startTestServer({ faultSeed: 12345, faults: { 'task-state': { latencyMs: 1 } } });
    const pkgId = await seedFleet(t, { count: 1, size: SIZE });
    await t.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    tid = ((await d().check(1, 'V1.0')).env.data as { tid: number }).tid;
  });
  afterAll(() => t.close());

  it('is settable at start and through GET/PUT /api/faults, validated', async () => {
    expect(await t.admin.getFaults()).toEqual({ 'task-state': { latencyMs: 1 } });
    await expect(t.admin.setFaults({ check: { errorRate: 2 } })).rejects.toMatchObject({ status: 400 });
    await expect(t.admin.setFaults({ nope: {} } as never)).rejects.toMatchObject({ status: 400 });
    await expect(t.admin.setFaults({ check: { colour: 1 } } as never)).rejects.toMatchObject({ status: 400 });
    expect(await t.admin.setFaults({})).toEqual({});
  });

  it('adds latency to the named call only', async () => {
    await t.admin.setFaults({ 'query-version': { latencyMs: 150, jitterMs: 20 } });
    const before = (await t.admin.stats()).faults.delayed;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      expect((await d().queryVersion()).env.errno).toBe(0);
      expect(performance.now() - start).toBeGreaterThanOrEqual(145);
    }
    await d().check(1, 'V1.0');
    expect((await t.admin.stats()).faults.delayed - before).toBe(3);
    await t.admin.setFaults({});
  });

  it('answers errors at roughly the configured rate', async () => {
    await t.admin.setFaults({ 'report-version': { errorRate: 0.3, errno: 7 } });
    let errors = 0;
    for (let i = 0; i < 200; i++) {
      const r = await d().reportVersion({ s_version: 'S1' });
      if (r.env.errno === 7) errors++;
      else expect(r.env.errno).toBe(0);
    }
    expect(errors).toBeGreaterThan(35);
    expect(errors).toBeLessThan(85);
    await t.admin.setFaults({});
  });

  it('answers HTTP 503 with an envelope, and download errors with Content-Length 0', async () => {
    await t.admin.setFaults({ '*': { httpErrorRate: 1 } });
    const check = await request(`${d().base}/check?type=1&version=V1.0`, {
      headers: { authorization: productToken() },
    });
    expect(check.statusCode).toBe(503);
    expect(await check.body.json()).toMatchObject({ errno: 7 });
    const dl = await d().download(tid);
    expect([dl.status, dl.otaErrno, dl.headers['content-length']]).toEqual([503, 3, '0']);
    await t.admin.setFaults({ download: { errorRate: 1, errno: 3 } });
    const dl2 = await d().download(tid);
    expect([dl2.status, dl2.otaErrno, dl2.body.length]).toEqual([200, 3, 0]);
    await t.admin.setFaults({});
  });

  it('resets connections and stalls replies; the server keeps serving', async () => {
    await t.admin.setFaults({
      'query-version': { resetRate: 1 },
      check: { stallRate: 1, stallMs: 200 },
      'task-state': { stallRate: 1 },
    });
    await expect(d().queryVersion()).rejects.toMatchObject({
      code: expect.stringMatching(/ECONNRESET|UND_ERR_SOCKET/),
    });
    const start = performance.now();
    expect((await d().check(1, 'V1.0')).env.errno).toBe(0);
    expect(performance.now() - start).toBeGreaterThanOrEqual(195);
    const never = request(`${d().base}/${tid}/check`, {
      headers: { authorization: productToken() },
      headersTimeout: 300,
    });
    await expect(never).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect((await t.admin.stats()).faults).toMatchObject({ reset: 1, stall: 2 });
    await t.admin.setFaults({});
    expect((await d().queryVersion()).env.errno).toBe(0);
  });

  it('truncates downloads and corrupts package bytes', async () => {
    const whole = await d().download(tid);
    const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
    await t.admin.setFaults({ download: { truncateRate: 1, truncateFraction: 0.25 } });
    const res = await request(`${d().base}/${tid}/download`, { headers: { authorization: productToken() } });
    expect(res.headers['content-length']).toBe(String(SIZE));
    let got = 0;
    await expect(
      (async () => {
        for await (const chunk of res.body) got += (chunk as Buffer).length;
      })(),
    ).rejects.toThrow();
    expect(got).toBeLessThan(SIZE);
    await t.admin.setFaults({ download: { corruptRate: 1, corruptBytes: 3 } });
    const bad = await d().download(tid, 'bytes=0-');
    expect(bad.body.length).toBe(SIZE);
    expect(md5(bad.body)).not.toBe(md5(whole.body));
    let diff = 0;
    for (let i = 0; i < SIZE; i++) if (bad.body[i] !== whole.body[i]) diff++;
    expect(diff).toBe(3);
    await t.admin.setFaults({});
    expect(md5((await d().download(tid)).body)).toBe(md5(whole.body));
  });
});
