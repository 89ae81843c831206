/**
 * Issue 7 §4 (server part): the demo rollout is slow enough for a person (each download of a demo
 * device is paced at `demoBandwidth`), and the demo fleet can be reset to its start versions
 * (`POST /api/demo/reset`, or `resetDemo` at start) so the README's rehearsal runs again verbatim.
 */

import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import { syntheticPackageBytes } from '../../../src/server/store/content.ts';
import { deviceClient, productToken, startTestServer, type TestServer, tempDir } from './helpers.ts';

const DEMO_SIZE = 256 * 1024;

describe('the demo product', () => {
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  const demoDevice = async (server: TestServer, name: string) => {
    const key = (await server.admin.getProduct('demo')).accessKey;
    return deviceClient(server.url, 'demo', name, productToken('demo', key));
  };
  const reset = async (server: TestServer) => {
    const r = await request(`${server.url}/api/demo/reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    return { status: r.statusCode, body: (await r.body.json()) as Record<string, unknown> };
  };

  it('paces each download of a demo device at demoBandwidth, to the exact bytes', async () => {
    t = await startTestServer({ seedDemo: true, demoBandwidth: 32 * 1024 });
    const pkg = t.server.demo!.packageId;
    await t.admin.createBatch(pkg, { fromVersion: 'V1.0', devices: ['dev-001'] });
    const d = await demoDevice(t, 'dev-001');
    const tid = ((await d.check(1, 'V1.0')).env.data as { tid: number }).tid;
    const started = performance.now();
    const r = await d.download(tid, 'bytes=0-32767');
    const tookMs = performance.now() - started;
    expect(r.status).toBe(206);
    expect(r.body.equals(syntheticPackageBytes(DEMO_SIZE, 1).subarray(0, 32 * 1024))).toBe(true);
    // 32 KiB at 32 KiB/s: 10 slices 100 ms apart, so never less than 0.9 s (a lower bound: load only adds).
    expect(tookMs).toBeGreaterThanOrEqual(850);
  });

  it('POST /api/demo/reset removes the demo batches and tasks and puts every device back to V1.0', async () => {
    t = await startTestServer({ seedDemo: true });
    const pkg = t.server.demo!.packageId;
    const first = await t.admin.createBatch(pkg, { name: 'b1', fromVersion: 'V1.0' });
    expect(first).toMatchObject({ id: 1, targeted: 100 });
    const d = await demoDevice(t, 'dev-001');
    expect((await d.reportVersion({ f_version: 'V1.1', s_version: 'V1.1' })).env.errno).toBe(Errno.OK);
    expect((await t.admin.getDevice('demo', 'dev-001')).fVersion).toBe('V1.1');

    const r = await reset(t);
    expect(r).toEqual({ status: 200, body: { batches: 1, tasks: 100, devices: 100 } });
    expect(await t.admin.listBatches(pkg)).toEqual([]);
    expect(await t.admin.getDevice('demo', 'dev-001')).toMatchObject({ fVersion: 'V1.0', sVersion: 'V1.0' });
    expect((await d.check(1, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    expect((await t.admin.health()).liveTasks).toBe(0);
    // The rehearsal runs again verbatim: the new batch is batch 1 again, for all 100 devices.
    expect(await t.admin.createBatch(pkg, { name: 'b1', fromVersion: 'V1.0' })).toMatchObject({
      id: 1,
      targeted: 100,
    });
  });

  it('resetDemo at start (serve --reset-demo) resets a demo kept in a data file', async () => {
    const tmp = tempDir();
    try {
      const dataFile = `${tmp.dir}/ota.db`;
      t = await startTestServer({ seedDemo: true, dataFile });
      await t.admin.createBatch(t.server.demo!.packageId, { fromVersion: 'V1.0' });
      await (await demoDevice(t, 'dev-002')).reportVersion({ f_version: 'V1.1' });
      await t.close();
      t = await startTestServer({ seedDemo: true, dataFile, resetDemo: true });
      expect(await t.admin.listBatches(t.server.demo!.packageId)).toEqual([]);
      expect((await t.admin.getDevice('demo', 'dev-002')).fVersion).toBe('V1.0');
      expect((await t.admin.getProduct('demo')).devices).toBe(100);
    } finally {
      await t?.close();
      t = undefined;
      tmp.cleanup();
    }
  });

  it('answers 404 when there is no demo product', async () => {
    t = await startTestServer();
    expect((await reset(t)).status).toBe(404);
  });
});
