import { afterEach, describe, expect, it } from 'vitest';
import { Errno, TaskStatus } from '../../../src/ota/codes.ts';
import type { OtaServerOptions } from '../../../src/server/config.ts';
import { deviceClient, PID, seedFleet, startTestServer, type TestServer, waitFor } from './helpers.ts';

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function setup(options: OtaServerOptions = {}, count = 3) {
  t = await startTestServer(options);
  const pkgId = await seedFleet(t, { count });
  return { t, pkgId };
}

async function tidOf(dev: string, version = 'V1.0'): Promise<number> {
  const r = await deviceClient(t!.url, PID, dev).check(1, version);
  expect(r.env.errno).toBe(0);
  return (r.env.data as { tid: number }).tid;
}

describe('the device task state machine', () => {
  it('runs pending → downloading → upgrading → succeeded and records the target version', async () => {
    const { pkgId } = await setup();
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    expect(batch).toMatchObject({ status: 'running', targeted: 3, counts: { pending: 3 } });
    const d = deviceClient(t!.url, PID, 'd1');
    const tid = await tidOf('d1');
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.PENDING });
    expect((await d.download(tid)).otaErrno).toBe(0);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.DOWNLOADING });
    expect((await d.reportStatus(tid, 50)).env.errno).toBe(0);
    expect((await d.reportStatus(tid, 100)).env.errno).toBe(0);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.UPGRADING });
    expect((await d.check(1, 'V1.0')).env.data).toMatchObject({ tid, status: TaskStatus.UPGRADING });
    expect((await d.reportStatus(tid, 101)).env.errno).toBe(0);
    expect((await d.reportStatus(tid, 201)).env.errno).toBe(0);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.SUCCEEDED });
    expect((await d.queryVersion()).env.data).toMatchObject({ f_version: 'V2.0' });
    expect((await d.check(1, 'V2.0')).env.errno).toBe(Errno.NO_TASK);
    expect((await d.reportStatus(tid, 201)).env.errno).toBe(Errno.TASK_FINISHED);
    const after = await t!.admin.getBatch(batch.id);
    expect(after.counts).toMatchObject({ succeeded: 1, pending: 2 });
  });

  it('rejects steps out of order with 17 and leaves the task as it was', async () => {
    const { pkgId } = await setup();
    await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    const d = deviceClient(t!.url, PID, 'd1');
    const tid = await tidOf('d1');
    expect((await d.reportStatus(tid, 201)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.reportStatus(tid, 101)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.reportStatus(tid, 104)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.PENDING });
    expect((await d.reportStatus(tid, 30)).env.errno).toBe(0);
    expect((await d.reportStatus(tid, 205)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.reportStatus(tid, 100)).env.errno).toBe(0);
    expect((await d.reportStatus(tid, 60)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.reportStatus(tid, 101)).env.errno).toBe(0);
    expect((await d.reportStatus(tid, 101)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.reportStatus(tid, 100)).env.errno).toBe(Errno.BAD_TASK_STATE);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.UPGRADING });
    expect((await d.reportStatus(tid, 204)).env.errno).toBe(0);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.FAILED });
    expect((await d.reportStatus(tid, 30)).env.errno).toBe(Errno.TASK_FINISHED);
    const dl = await d.download(tid);
    expect(dl.otaErrno).toBe(5);
  });

  it('fails a downloading task on 102-107', async () => {
    const { pkgId } = await setup();
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0', devices: ['d2'] });
    const d = deviceClient(t!.url, PID, 'd2');
    const tid = await tidOf('d2');
    await d.reportStatus(tid, 1);
    expect((await d.reportStatus(tid, 106)).env.errno).toBe(0);
    const tasks = await t!.admin.listTasks(batch.id);
    expect(tasks.tasks[0]).toMatchObject({ device: 'd2', status: 'failed', step: 106, reason: 'step 106' });
  });

  it('completes an upgrading task when the device reports the target version (call 1 or a check)', async () => {
    const { pkgId } = await setup();
    await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    for (const [dev, how] of [
      ['d1', 'report'],
      ['d2', 'check'],
    ] as const) {
      const d = deviceClient(t!.url, PID, dev);
      const tid = await tidOf(dev);
      await d.download(tid);
      await d.reportStatus(tid, 100);
      if (how === 'report') expect((await d.reportVersion({ f_version: 'V2.0' })).env.errno).toBe(0);
      else expect((await d.check(1, 'V2.0')).env.errno).toBe(Errno.NO_TASK);
      expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.SUCCEEDED });
    }
    // a version report while still downloading changes nothing but the recorded version
    const d3 = deviceClient(t!.url, PID, 'd3');
    const tid3 = await tidOf('d3');
    await d3.download(tid3);
    await d3.reportVersion({ f_version: 'V2.0' });
    expect((await d3.taskState(tid3)).env.data).toEqual({ status: TaskStatus.DOWNLOADING });
  });

  it('moves pending to downloading only on what downloadingOn names', async () => {
    for (const mode of ['download', 'progress'] as const) {
      const { pkgId } = await setup({ downloadingOn: mode }, 1);
      await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
      const d = deviceClient(t!.url, PID, 'd1');
      const tid = await tidOf('d1');
      const other = mode === 'download' ? () => d.reportStatus(tid, 10) : () => d.download(tid, 'bytes=0-9');
      const named = mode === 'download' ? () => d.download(tid, 'bytes=0-9') : () => d.reportStatus(tid, 10);
      await other();
      expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.PENDING });
      await named();
      expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.DOWNLOADING });
      await t!.close();
      t = undefined;
    }
  });

  it('fails a pending differential task with 9 when the device checks with another version', async () => {
    t = await startTestServer();
    await t.admin.createDevices(PID, { prefix: 'd', count: 2, versions: { f_version: { 'V1.0': 1 } } });
    const pkg = await t.admin.createPackage(PID, {
      name: 'delta',
      module: 'fota',
      type: 'diff',
      fromVersion: 'V1.0',
      targetVersion: 'V1.1',
      synthetic: { size: 100 },
    });
    expect(pkg.type).toBe('diff');
    await expect(
      t.admin.createBatch(pkg.id, { fromVersion: 'V0.9', skipVerification: true }),
    ).rejects.toMatchObject({ status: 400 });
    await t.admin.createBatch(pkg.id, { fromVersion: 'V1.0', skipVerification: true });
    expect((await deviceClient(t.url, PID, 'd1').check(1, 'V1.0')).env.data).toMatchObject({
      type: 2,
      target: 'V1.1',
    });
    expect((await deviceClient(t.url, PID, 'd2').check(1, 'V0.8')).env.errno).toBe(
      Errno.DIFF_VERSION_MISMATCH,
    );
    expect((await deviceClient(t.url, PID, 'd2').check(1, 'V0.8')).env.errno).toBe(Errno.NO_TASK);
  });
});

describe('cancel', () => {
  it('by batch mid-download: download gets Ota-Errno 5 with Content-Length 0, task state 6, reports 22', async () => {
    const { pkgId } = await setup();
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    const d = deviceClient(t!.url, PID, 'd1');
    const tid = await tidOf('d1');
    expect((await d.download(tid, 'bytes=0-499')).status).toBe(206);
    const cancelled = await t!.admin.cancelBatch(batch.id, { scope: 'all' });
    expect(cancelled).toMatchObject({ status: 'cancelled', counts: { cancelled: 3, pending: 0 } });
    const dl = await d.download(tid, 'bytes=500-999');
    expect(dl.otaErrno).toBe(5);
    expect(dl.headers['content-length']).toBe('0');
    expect(dl.body.length).toBe(0);
    expect((await d.taskState(tid)).env.data).toEqual({ status: 6 });
    expect((await d.reportStatus(tid, 60)).env.errno).toBe(Errno.TASK_CANCELLED);
    expect((await d.check(1, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    await expect(t!.admin.cancelBatch(batch.id)).rejects.toMatchObject({ status: 409 });
  });

  it('by device: only that task, which reads back 5 when cancelledStatus is 5', async () => {
    const { pkgId } = await setup({ cancelledStatus: 5 });
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    const tid = await tidOf('d2');
    const d = deviceClient(t!.url, PID, 'd2');
    await d.download(tid, 'bytes=0-9');
    expect(await t!.admin.cancelTask(tid)).toMatchObject({
      status: 'cancelled',
      reason: 'cancelled by device',
    });
    expect((await d.taskState(tid)).env.data).toEqual({ status: 5 });
    expect((await d.download(tid)).otaErrno).toBe(5);
    expect((await t!.admin.getBatch(batch.id)).counts).toMatchObject({ cancelled: 1, pending: 2 });
    await expect(t!.admin.cancelTask(tid)).rejects.toMatchObject({ status: 409 });
  });

  it('scope scheduled cancels only a batch not yet started', async () => {
    const { pkgId } = await setup();
    const later = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0', startAt: Date.now() + 60_000 });
    expect(later.status).toBe('scheduled');
    expect((await t!.admin.cancelBatch(later.id, { scope: 'scheduled' })).status).toBe('cancelled');
    const now = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    await expect(t!.admin.cancelBatch(now.id, { scope: 'scheduled' })).rejects.toMatchObject({ status: 409 });
    expect(t!.server.runScheduler(Date.now() + 120_000)).toBeGreaterThanOrEqual(0);
    expect((await t!.admin.getBatch(later.id)).targeted).toBe(0);
  });
});

describe('scheduling, timeouts, retries and verification', () => {
  it('creates the tasks of a scheduled batch at its start time, for the devices on fromVersion then', async () => {
    const { pkgId } = await setup();
    // far ahead, so no tick starts it early on a busy machine; the test runs the scheduler at that time
    const startAt = Date.now() + 60_000;
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0', startAt });
    expect(batch).toMatchObject({ status: 'scheduled', targeted: 0 });
    const d1 = deviceClient(t!.url, PID, 'd1');
    expect((await d1.check(1, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    await deviceClient(t!.url, PID, 'd3').reportVersion({ f_version: 'V1.9' });
    t!.server.runScheduler(startAt - 1);
    expect((await t!.admin.getBatch(batch.id)).status).toBe('scheduled');
    t!.server.runScheduler(startAt);
    expect(await waitFor(async () => (await t!.admin.getBatch(batch.id)).status === 'running')).toBe(true);
    expect((await t!.admin.getBatch(batch.id)).targeted).toBe(2);
    expect((await d1.check(1, 'V1.0')).env.errno).toBe(0);
    expect((await deviceClient(t!.url, PID, 'd3').check(1, 'V1.9')).env.errno).toBe(Errno.NO_TASK);
  });

  it('fails a task that outlives timeoutSec; it then reads 5, downloads get Ota-Errno 5, reports 20', async () => {
    const { pkgId } = await setup();
    const batch = await t!.admin.createBatch(pkgId, { fromVersion: 'V1.0', timeoutSec: 30 });
    const d = deviceClient(t!.url, PID, 'd1');
    const tid = await tidOf('d1');
    await d.download(tid, 'bytes=0-9');
    t!.server.runScheduler(Date.now() + 31_000); // the scheduler at a moment past the timeout
    expect(await waitFor(async () => (await t!.admin.getBatch(batch.id)).status === 'completed')).toBe(true);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.FAILED });
    expect((await d.download(tid)).otaErrno).toBe(5);
    expect((await d.reportStatus(tid, 20)).env.errno).toBe(Errno.TASK_FINISHED);
    const view = await t!.admin.getBatch(batch.id);
    expect(view.counts).toMatchObject({ failed: 3, retrying: 0 });
    expect(
      (await t!.admin.listTasks(batch.id, { status: 'failed' })).tasks.every((x) => x.reason === 'timeout'),
    ).toBe(true);
  });

  it('puts a failed task back to pending after the retry interval, until the retries run out', async () => {
    const { pkgId } = await setup({}, 1);
    const batch = await t!.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      retry: { count: 1, intervalSec: 30 }, // the test moves the scheduler past it (runScheduler)
    });
    const d = deviceClient(t!.url, PID, 'd1');
    const tid = await tidOf('d1');
    await d.download(tid);
    await d.reportStatus(tid, 100);
    await d.reportStatus(tid, 205);
    expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.FAILED });
    expect((await t!.admin.getBatch(batch.id)).counts).toMatchObject({ failed: 1, retrying: 1 });
    expect((await d.check(1, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    t!.server.runScheduler(Date.now() + 31_000);
    expect(await waitFor(async () => (await d.check(1, 'V1.0')).env.errno === 0)).toBe(true);
    expect((await d.check(1, 'V1.0')).env.data).toMatchObject({ tid, status: TaskStatus.PENDING });
    expect((await t!.admin.getTask(tid)).attempts).toBe(2);
    await d.download(tid);
    await d.reportStatus(tid, 107);
    t!.server.runScheduler(Date.now() + 31_000); // past the retry interval: no retry is left
    expect((await d.check(1, 'V1.0')).env.errno).toBe(Errno.NO_TASK);
    expect(await waitFor(async () => (await t!.admin.getBatch(batch.id)).status === 'completed')).toBe(true);
    expect((await t!.admin.getBatch(batch.id)).counts).toMatchObject({ failed: 1, retrying: 0 });
  });

  it('refuses a batch of an unverified package (409) until a verification upgrade succeeds', async () => {
    t = await startTestServer();
    await t.admin.createDevices(PID, { prefix: 'd', count: 3, versions: { f_version: { 'V1.0': 1 } } });
    const pkg = await t.admin.createPackage(PID, {
      name: 'fw',
      module: 'fota',
      targetVersion: 'V2.0',
      synthetic: { size: 64 },
    });
    await expect(t.admin.createBatch(pkg.id, { fromVersion: 'V1.0' })).rejects.toMatchObject({
      status: 409,
      apiCode: 'CONFLICT',
    });
    const v = await t.admin.verifyPackage(pkg.id, { device: 'd1' });
    expect(v).toMatchObject({ package: { verified: false }, batch: { kind: 'verification', targeted: 1 } });
    const d = deviceClient(t.url, PID, 'd1');
    const tid = await tidOf('d1');
    expect(tid).toBe(v.tid);
    await d.download(tid);
    await d.reportStatus(tid, 100);
    expect((await t.admin.getPackage(pkg.id)).verified).toBe(false);
    await d.reportStatus(tid, 201);
    expect((await t.admin.getPackage(pkg.id)).verified).toBe(true);
    const batch = await t.admin.createBatch(pkg.id, { fromVersion: 'V1.0' });
    expect(batch.targeted).toBe(2);
  });

  it('targets never-reported devices with fromVersion null and skips devices with a live task', async () => {
    t = await startTestServer();
    await t.admin.createDevices(PID, { prefix: 'n', count: 2 });
    await t.admin.createDevice(PID, { name: 'old', fVersion: 'V1.0' });
    const pkg = await t.admin.createPackage(PID, {
      name: 'fw',
      module: 'fota',
      targetVersion: 'V2.0',
      synthetic: { size: 64 },
    });
    const first = await t.admin.createBatch(pkg.id, {
      fromVersion: null,
      skipVerification: true,
      devices: ['n1'],
    });
    expect(first.targeted).toBe(1);
    const second = await t.admin.createBatch(pkg.id, { fromVersion: null, skipVerification: true });
    expect(second).toMatchObject({ targeted: 1, skipped: 1 });
    expect((await t.admin.listTasks(second.id)).tasks.map((x) => x.device)).toEqual(['n2']);
  });
});
