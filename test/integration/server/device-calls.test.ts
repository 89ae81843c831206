import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import { devicePath } from '../../../src/ota/routes.ts';
import {
  ACCESS_KEY,
  deviceClient,
  deviceToken,
  PID,
  productToken,
  seedFleet,
  startTestServer,
  type TestServer,
} from './helpers.ts';

describe.each(['studio', 'fuse'] as const)('device calls in the %s dialect', (dialect) => {
  let t: TestServer;
  let pkgId: number;

  beforeAll(async () => {
    t = await startTestServer({ dialect });
    pkgId = await seedFleet(t, { count: 4 });
    await t.admin.createProduct({ id: 'p2' });
  });
  afterAll(() => t.close());

  it('answers in its envelope: HTTP 200, errno/code, a 32-hex request_id in fuse', async () => {
    const r = await deviceClient(t.url, PID, 'd1').queryVersion();
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json;charset=UTF-8');
    const body = JSON.parse(r.text) as Record<string, unknown>;
    if (dialect === 'studio') {
      expect(body).toMatchObject({ errno: 0, error: 'succ' });
      expect(body).not.toHaveProperty('request_id');
    } else {
      expect(body).toMatchObject({ code: 0, msg: 'succ' });
      expect(body.request_id).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('report version (1) records versions; 24 for a bad body, 27 for a bad version', async () => {
    const d = deviceClient(t.url, PID, 'd4');
    expect((await d.reportVersion({ f_version: 'V1.5', s_version: 'S-2' })).env.errno).toBe(0);
    expect((await d.queryVersion()).env.data).toEqual({ f_version: 'V1.5', s_version: 'S-2' });
    expect((await d.reportVersion('{"f_version":')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d.reportVersion('[1]')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d.reportVersion({})).env.errno).toBe(Errno.BAD_BODY);
    expect((await d.reportVersion({ f_version: 'V 1' })).env.errno).toBe(Errno.BAD_VERSION);
    expect((await d.reportVersion({ s_version: 'x'.repeat(21) })).env.errno).toBe(Errno.BAD_VERSION);
    expect((await d.reportVersion({ f_version: 12 })).env.errno).toBe(Errno.BAD_VERSION);
    expect((await d.queryVersion()).env.data).toEqual({ f_version: 'V1.5', s_version: 'S-2' });
  });

  it('query version (6) omits a field that was never reported', async () => {
    await t.admin.createDevice(PID, { name: 'fresh', sVersion: 'S1' });
    expect((await deviceClient(t.url, PID, 'fresh').queryVersion()).env.data).toEqual({ s_version: 'S1' });
  });

  it('check (2) with no task answers 11; 2 for a bad type or a missing version; 27 for a bad version', async () => {
    const d = deviceClient(t.url, PID, 'd1');
    expect((await d.check(2, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    const raw = (q: string) =>
      request(`${d.base}/check?${q}`, { headers: { authorization: productToken() } }).then((r) =>
        r.body.json(),
      );
    expect(await raw('type=3&version=V1.0')).toMatchObject(dialect === 'studio' ? { errno: 2 } : { code: 2 });
    expect(await raw('type=1')).toMatchObject(dialect === 'studio' ? { errno: 2 } : { code: 2 });
    expect((await d.check(1, 'V1.0!')).env.errno).toBe(Errno.BAD_VERSION);
  });

  it('check (2) overwrites the recorded version of that module only', async () => {
    const d = deviceClient(t.url, PID, 'd3');
    await d.reportVersion({ f_version: 'V1.0', s_version: 'S1' });
    await d.check(2, 'S9');
    expect((await d.queryVersion()).env.data).toEqual({ f_version: 'V1.0', s_version: 'S9' });
  });

  it('check (2) returns the task: target, tid, size, md5, status, package type', async () => {
    const batch = await t.admin.createBatch(pkgId, { fromVersion: 'V1.0', devices: ['d1', 'd2'] });
    expect(batch.targeted).toBe(2);
    const r = await deviceClient(t.url, PID, 'd1').check(1, 'V1.0');
    const pkg = await t.admin.getPackage(pkgId);
    expect(r.env).toMatchObject({
      errno: 0,
      data: { target: 'V2.0', size: 1000, md5: pkg.md5, status: 1, type: 1 },
    });
    expect(typeof (r.env.data as { tid: unknown }).tid).toBe('number');
  });

  it('report step (4) and task state (5): 0 on success, 2 for unknown or foreign tids, 24 bad body, 2 unknown step', async () => {
    const d1 = deviceClient(t.url, PID, 'd1');
    const d2 = deviceClient(t.url, PID, 'd2');
    const tid = ((await d1.check(1, 'V1.0')).env.data as { tid: number }).tid;
    const tid2 = ((await d2.check(1, 'V1.0')).env.data as { tid: number }).tid;
    expect((await d1.reportStatus(tid, 10)).env.errno).toBe(0);
    expect((await d1.taskState(tid)).env.data).toEqual({ status: 2 });
    expect((await d1.reportStatus(999999, 10)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.reportStatus('abc', 10)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.reportStatus(tid2, 10)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.taskState(tid2)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.taskState(424242)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.reportRaw(tid, 'step=10')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d1.reportRaw(tid, '{"step":"10"}')).env.errno).toBe(Errno.BAD_BODY);
    expect((await d1.reportStatus(tid, 150)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.reportStatus(tid, 10.5)).env.errno).toBe(Errno.BAD_PARAM);
    expect((await d1.reportStatus(tid, 201)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d1.taskState(tid)).env.data).toEqual({ status: 2 });
  });

  it('report step answers 17 out of order, 20 when finished, 22 when cancelled; check answers 9 for a diff mismatch', async () => {
    await t.admin.createDevices(PID, { prefix: 'e', count: 3, versions: { f_version: { 'V1.0': 1 } } });
    await t.admin.createBatch(pkgId, { fromVersion: 'V1.0', devices: ['e1', 'e2'] });
    const e1 = deviceClient(t.url, PID, 'e1');
    const e2 = deviceClient(t.url, PID, 'e2');
    const tid1 = ((await e1.check(1, 'V1.0')).env.data as { tid: number }).tid;
    const tid2 = ((await e2.check(1, 'V1.0')).env.data as { tid: number }).tid;
    expect((await e1.reportStatus(tid1, 201)).env.errno).toBe(Errno.BAD_TASK_STATE);
    for (const step of [1, 100, 201]) expect((await e1.reportStatus(tid1, step)).env.errno).toBe(0);
    expect((await e1.reportStatus(tid1, 201)).env.errno).toBe(Errno.TASK_FINISHED);
    await t.admin.cancelTask(tid2);
    expect((await e2.reportStatus(tid2, 1)).env.errno).toBe(Errno.TASK_CANCELLED);
    const diff = await t.admin.createPackage(PID, {
      name: 'delta',
      module: 'fota',
      type: 'diff',
      fromVersion: 'V1.0',
      targetVersion: 'V1.1',
      synthetic: { size: 10 },
    });
    await t.admin.createBatch(diff.id, { fromVersion: 'V1.0', devices: ['e3'], skipVerification: true });
    expect((await deviceClient(t.url, PID, 'e3').check(1, 'V0.5')).env.errno).toBe(
      Errno.DIFF_VERSION_MISMATCH,
    );
  });

  it('authenticates every call: 1 without or with a bad token or for an unknown device, 4 for another product, 12 expired', async () => {
    const calls = (auth: string | null, dev = 'd1') => {
      const d = deviceClient(t.url, PID, dev, auth);
      return Promise.all([
        d.check(1, 'V1.0'),
        d.queryVersion(),
        d.reportVersion({ f_version: 'V1.0' }),
        d.taskState(1),
        d.reportStatus(1, 5),
      ]);
    };
    const errnos = async (auth: string | null, dev?: string) =>
      (await calls(auth, dev)).map((r) => r.env.errno);
    expect(await errnos(null)).toEqual([1, 1, 1, 1, 1]);
    expect(await errnos('garbage')).toEqual([1, 1, 1, 1, 1]);
    expect(await errnos(productToken(PID, ACCESS_KEY), 'nobody')).toEqual([1, 1, 1, 1, 1]);
    const p2 = (await t.admin.getProduct('p2')).accessKey;
    expect(await errnos(productToken('p2', p2))).toEqual([4, 4, 4, 4, 4]);
    expect(await errnos(productToken(PID, ACCESS_KEY, { et: Math.floor(Date.now() / 1000) - 5 }))).toEqual([
      12, 12, 12, 12, 12,
    ]);
  });

  it('serves the same calls under /fuse-ota/ and tolerates duplicate slashes', async () => {
    const fuse = await request(`${t.url}${devicePath(PID, 'd1', 'fuse-ota')}/version`, {
      headers: { authorization: productToken() },
    });
    expect(((await fuse.body.json()) as { data: unknown }).data).toMatchObject({ f_version: 'V1.0' });
    const doubled = await request(`${t.url}//ota/${PID}/d1//version`, {
      headers: { Authorization: productToken() },
    });
    expect(((await doubled.body.json()) as { data: unknown }).data).toMatchObject({ f_version: 'V1.0' });
  });

  it('accepts a device-level token only for its own device', async () => {
    const created = await t.admin.createDevice(PID, { name: 'keyed', fVersion: 'V1.0' });
    const key = created.devices[0]!.key;
    const own = deviceClient(t.url, PID, 'keyed', deviceToken(PID, 'keyed', key, { method: 'sha256' }));
    expect((await own.queryVersion()).env.errno).toBe(0);
    const other = deviceClient(t.url, PID, 'd1', deviceToken(PID, 'keyed', key));
    expect((await other.queryVersion()).env.errno).toBe(Errno.TOKEN_DEVICE_MISMATCH);
  });
});

describe('the no-task errno is configurable', () => {
  it('answers 10 when started with noTaskErrno 10', async () => {
    const t = await startTestServer({ noTaskErrno: 10 });
    try {
      await seedFleet(t, { count: 1 });
      expect((await deviceClient(t.url, PID, 'd1').check(1, 'V1.0')).env.errno).toBe(10);
    } finally {
      await t.close();
    }
  });
});
