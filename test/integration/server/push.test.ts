import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pushSignature } from '../../../src/server/push.ts';
import { ACCESS_KEY, PID, seedFleet, startTestServer, type TestServer, waitFor } from './helpers.ts';

interface Received {
  method: string;
  url: string;
  body: string;
}

describe('HTTP push', () => {
  let t: TestServer;
  let pkgId: number;
  let receiver: Server;
  let base: string;
  const received: Received[] = [];
  let answer = 'PASSED';

  beforeAll(async () => {
    t = await startTestServer();
    pkgId = await seedFleet(t, { count: 3 });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        received.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.end(req.method === 'GET' ? answer : 'ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => receiver.close(r));
  });

  it('verifies the URL with GET ?signature= then POSTs the task info when a batch starts', async () => {
    const batch = await t.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      devices: ['d1', 'd3'],
      notifyUrl: `${base}/hook?x=1`,
    });
    expect(await waitFor(async () => (await t.admin.getBatch(batch.id)).push === 'sent')).toBe(true);
    const [get, post] = received.slice(-2);
    const started = (await t.admin.getBatch(batch.id)).startedAt!;
    const signature = pushSignature(ACCESS_KEY, batch.id, started);
    expect(get?.method).toBe('GET');
    const url = new URL(get!.url, base);
    expect(url.pathname).toBe('/hook');
    expect(url.searchParams.get('x')).toBe('1');
    expect(url.searchParams.get('signature')).toBe(signature);
    expect(post?.method).toBe('POST');
    const body = JSON.parse(post!.body) as Record<string, unknown>;
    expect(body).toMatchObject({
      signature,
      info: { pid: PID, batchId: batch.id, packageId: pkgId, module: 'fota', targetVersion: 'V2.0' },
      msg: { startTime: started, version: 'V2.0' },
    });
    expect((body.msg as { dids: string[] }).dids.sort()).toEqual(['d1', 'd3']);
    expect((await t.admin.stats()).push.sent).toBe(1);
  });

  it('records a refused verification or an unreachable URL as failed and keeps serving', async () => {
    answer = 'NOPE';
    const refused = await t.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      devices: ['d2'],
      notifyUrl: `${base}/hook`,
    });
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/gone`;
    await new Promise((r) => closed.close(r));
    const unreachable = await t.admin.createBatch(pkgId, { fromVersion: 'V9', notifyUrl: deadUrl });
    for (const id of [refused.id, unreachable.id]) {
      expect(
        await waitFor(async () => (await t.admin.getBatch(id)).push?.startsWith('failed') === true),
      ).toBe(true);
    }
    expect((await t.admin.getBatch(refused.id)).push).toContain('NOPE');
    expect((await t.admin.stats()).push.failed).toBe(2);
    expect((await t.admin.health()).ok).toBe(true);
    answer = 'PASSED';
  });
});
