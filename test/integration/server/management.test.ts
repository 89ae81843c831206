import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignFleetVersions } from '../../../src/ota/fleet-versions.ts';
import { deviceClient, PID, productToken, seedFleet, startTestServer, type TestServer } from './helpers.ts';

describe('management API', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('creates products with a generated or given id and a base64 32-byte access key', async () => {
    const a = await t.admin.createProduct();
    expect(a.id).toMatch(/^[A-Za-z0-9]{10}$/);
    expect(Buffer.from(a.accessKey, 'base64').length).toBe(32);
    const b = await t.admin.createProduct({ id: 'given', name: 'Given product' });
    expect(b).toMatchObject({ id: 'given', name: 'Given product', devices: 0 });
    await expect(t.admin.createProduct({ id: 'given' })).rejects.toMatchObject({ status: 409 });
    await expect(t.admin.createProduct({ accessKey: 'not base64!' })).rejects.toMatchObject({ status: 400 });
    expect((await t.admin.listProducts()).map((p) => p.id)).toEqual(
      expect.arrayContaining([PID, a.id, 'given']),
    );
    await expect(t.admin.getProduct('missing')).rejects.toMatchObject({ status: 404, apiCode: 'NOT_FOUND' });
  });

  it('creates 10 000 devices in one request with versions assigned from the weights and seed', async () => {
    await t.admin.createProduct({ id: 'bulk' });
    const versions = { f_version: { 'V1.0': 80, 'V0.9': 20 }, s_version: { S1: 1 } };
    const r = await t.admin.createDevices('bulk', { count: 10_000, versions, seed: 7 });
    expect(r.created).toBe(10_000);
    expect(r.devices[0]?.name).toBe('dev-000001');
    expect(r.devices[9999]?.name).toBe('dev-010000');
    expect(new Set(r.devices.map((d) => d.key)).size).toBe(10_000);
    const page = await t.admin.listDevices('bulk', { offset: 0, limit: 10_000 });
    expect(page.total).toBe(10_000);
    let old = 0;
    for (const [i, d] of page.devices.entries()) {
      const want = assignFleetVersions(versions, i + 1, 7);
      expect([d.fVersion, d.sVersion]).toEqual([want.f_version, want.s_version]);
      if (d.fVersion === 'V0.9') old++;
    }
    expect(old).toBeGreaterThan(1900);
    expect(old).toBeLessThan(2100);
    expect((await t.admin.getProduct('bulk')).devices).toBe(10_000);
  });

  it('names bulk devices from namePattern or prefix and start, and refuses duplicates as a whole', async () => {
    await t.admin.createProduct({ id: 'names' });
    const a = await t.admin.createDevices('names', {
      namePattern: 'meter-{index:4}',
      start: 98,
      count: 3,
      returnDevices: true,
    });
    expect(a.devices.map((d) => d.name)).toEqual(['meter-0098', 'meter-0099', 'meter-0100']);
    const b = await t.admin.createDevices('names', { prefix: 'x', count: 2, returnDevices: false });
    expect(b).toEqual({ created: 2, devices: [] });
    await expect(t.admin.createDevices('names', { prefix: 'x', start: 2, count: 5 })).rejects.toMatchObject({
      status: 409,
    });
    await expect(
      t.admin.createDevices('names', { prefix: 'y', namePattern: 'z{index}', count: 1 }),
    ).rejects.toMatchObject({
      status: 400,
    });
    const page = await t.admin.listDevices('names', { offset: 2, limit: 2 });
    expect(page).toMatchObject({ total: 5, offset: 2, limit: 2 });
    expect(page.devices.map((d) => d.name)).toEqual(['meter-0100', 'x1']);
  });

  it('creates packages by the console rules; synthetic bytes and md5 follow size and seed', async () => {
    const a = await t.admin.createPackage(PID, {
      name: '固件(v2)_a-b.c',
      module: 'fota',
      targetVersion: 'V2',
      synthetic: { size: 5000, seed: 3 },
    });
    const b = await t.admin.createPackage(PID, {
      name: 'same',
      module: 'sota',
      targetVersion: 'S2',
      synthetic: { size: 5000, seed: 3 },
    });
    const c = await t.admin.createPackage(PID, {
      name: 'other',
      module: 'fota',
      targetVersion: 'V2',
      synthetic: { size: 5000, seed: 4 },
    });
    expect(a).toMatchObject({
      type: 'full',
      size: 5000,
      verified: false,
      synthetic: true,
      fileName: '固件(v2)_a-b.c.bin',
    });
    expect(a.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(b.md5).toBe(a.md5);
    expect(c.md5).not.toBe(a.md5);
    const bad = [
      { name: 'x'.repeat(21), module: 'fota', targetVersion: 'V2', synthetic: { size: 1 } },
      {
        name: 'ok',
        module: 'fota',
        targetVersion: 'V2',
        synthetic: { size: 1 },
        description: 'd'.repeat(101),
      },
      { name: 'ok', module: 'fota', targetVersion: 'V2' },
      { name: 'ok', module: 'fota', targetVersion: 'V2', synthetic: { size: 1 }, contentBase64: 'AA==' },
      { name: 'ok', module: 'fota', type: 'diff', targetVersion: 'V2', synthetic: { size: 1 } },
      { name: 'ok', module: 'fota', targetVersion: 'V2', fromVersion: 'V1', synthetic: { size: 1 } },
      { name: 'ok', module: 'fota', targetVersion: 'V2', synthetic: { size: 30 * 1024 * 1024 + 1 } },
      { name: 'ok', module: 'fota', targetVersion: 'V2', synthetic: { size: 1 }, fileName: 'fw.exe' },
    ];
    for (const input of bad) {
      await expect(
        t.admin.createPackage(PID, input as never),
        JSON.stringify(input).slice(0, 60),
      ).rejects.toMatchObject({ status: 400 });
    }
    expect(
      await t.admin.createPackage(PID, {
        name: 'desc',
        module: 'fota',
        targetVersion: 'V2',
        synthetic: { size: 1 },
        description: '说'.repeat(100),
      }),
    ).toMatchObject({
      description: '说'.repeat(100),
    });
    expect((await t.admin.listPackages(PID)).map((p) => p.id)).toEqual(
      expect.arrayContaining([a.id, b.id, c.id]),
    );
    await expect(t.admin.getPackage(99_999)).rejects.toMatchObject({ status: 404 });
  });

  it('refuses an upload beyond 30 MB with 413', async () => {
    const query = 'name=big&module=fota&targetVersion=V9&fileName=big.bin';
    const r = await request(`${t.url}/api/products/${PID}/packages/upload?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.alloc(30 * 1024 * 1024 + 100 * 1024),
    });
    expect(r.statusCode).toBe(413);
    await r.body.dump();
  });

  it('lists batches of a package, device tasks by status with paging, and a device with its current task', async () => {
    await t.admin.createProduct({ id: 'views' });
    await t.admin.createDevices('views', { prefix: 'v', count: 5, versions: { f_version: { 'V1.0': 1 } } });
    const pkg = await t.admin.createPackage('views', {
      name: 'fw',
      module: 'fota',
      targetVersion: 'V2',
      synthetic: { size: 10 },
    });
    const batch = await t.admin.createBatch(pkg.id, {
      name: 'wave-1',
      fromVersion: 'V1.0',
      skipVerification: true,
    });
    expect(batch).toMatchObject({
      name: 'wave-1',
      productId: 'views',
      kind: 'batch',
      timeoutSec: 600,
      retry: { count: 0 },
    });
    expect((await t.admin.listBatches(pkg.id)).map((b) => b.id)).toEqual([batch.id]);
    const key = (await t.admin.getProduct('views')).accessKey;
    const v1 = deviceClient(t.url, 'views', 'v1', productToken('views', key));
    const tid = ((await v1.check(1, 'V1.0')).env.data as { tid: number }).tid;
    await v1.reportStatus(tid, 5);
    const downloading = await t.admin.listTasks(batch.id, { status: 'downloading' });
    expect(downloading).toMatchObject({
      total: 1,
      tasks: [{ tid, device: 'v1', status: 'downloading', statusCode: 2, step: 5, attempts: 1 }],
    });
    const pending = await t.admin.listTasks(batch.id, { status: 'pending', offset: 1, limit: 2 });
    expect(pending.total).toBe(4);
    expect(pending.tasks.map((x) => x.device)).toEqual(['v3', 'v4']);
    await expect(t.admin.listTasks(batch.id, { status: 'bogus' as never })).rejects.toMatchObject({
      status: 400,
    });
    expect((await t.admin.listTasks(batch.id, { device: 'v1' })).tasks.map((x) => x.tid)).toEqual([tid]);
    expect((await t.admin.listTasks(batch.id, { device: 'nobody' })).total).toBe(0);
    const detail = await t.admin.getDevice('views', 'v1');
    expect(detail).toMatchObject({
      name: 'v1',
      fVersion: 'V1.0',
      sVersion: null,
      tasks: { fota: { tid, status: 'downloading' }, sota: null },
    });
    expect((await t.admin.getTask(tid)).batchId).toBe(batch.id);
    await expect(t.admin.getDevice('views', 'nope')).rejects.toMatchObject({ status: 404 });
  });

  it('reports health and per-call request counts', async () => {
    const before = await t.admin.stats();
    const pkgId = await seedFleet(t, { count: 1 });
    expect(pkgId).toBeGreaterThan(0);
    await deviceClient(t.url, PID, 'd1').check(1, 'V1.0');
    await deviceClient(t.url, PID, 'd1').check(1, 'V1.0');
    const after = await t.admin.stats();
    expect(after.calls.check.requests - before.calls.check.requests).toBe(2);
    expect((after.calls.check.replies['11'] ?? 0) - (before.calls.check.replies['11'] ?? 0)).toBe(2);
    expect(await t.admin.health()).toMatchObject({
      ok: true,
      dialect: 'studio',
      noTaskErrno: 11,
      cancelledStatus: 6,
      downloadingOn: 'either',
    });
  });
});
