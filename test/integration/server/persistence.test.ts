import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TaskStatus } from '../../../src/ota/codes.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import {
  ACCESS_KEY,
  deviceClient,
  PID,
  productToken,
  seedFleet,
  startTestServer,
  tempDir,
} from './helpers.ts';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

describe('persistence', () => {
  it('keeps products, devices, versions, packages, batches, tasks and the admin token across a restart', async () => {
    const dataFile = join(tmp.dir, 'restart.db');
    const first = await startTestServer({ dataFile });
    const pkgId = await seedFleet(first, { count: 3 });
    const batch = await first.admin.createBatch(pkgId, { fromVersion: 'V1.0' });
    // far ahead, so it is still scheduled at the restart however slow the machine; the test then runs
    // the second server's scheduler at that time
    const laterAt = Date.now() + 60_000;
    const later = await first.admin.createBatch(pkgId, { fromVersion: 'V0.1', startAt: laterAt });
    const d1 = deviceClient(first.url, PID, 'd1');
    const tid = ((await d1.check(1, 'V1.0')).env.data as { tid: number }).tid;
    await d1.download(tid);
    await d1.reportStatus(tid, 100);
    await deviceClient(first.url, PID, 'd2').reportVersion({ s_version: 'S7' });
    const d3tid = ((await deviceClient(first.url, PID, 'd3').check(1, 'V1.0')).env.data as { tid: number })
      .tid;
    await first.admin.cancelTask(d3tid);
    const token = first.server.adminToken;
    await first.close();

    const second = await startTestServer({ dataFile });
    try {
      expect(second.server.adminToken).toBe(token);
      const d1b = deviceClient(second.url, PID, 'd1', productToken(PID, ACCESS_KEY));
      expect((await d1b.taskState(tid)).env.data).toEqual({ status: TaskStatus.UPGRADING });
      expect((await d1b.reportStatus(tid, 201)).env.errno).toBe(0);
      expect((await d1b.queryVersion()).env.data).toEqual({ f_version: 'V2.0' });
      expect((await deviceClient(second.url, PID, 'd2').queryVersion()).env.data).toEqual({
        f_version: 'V1.0',
        s_version: 'S7',
      });
      expect((await deviceClient(second.url, PID, 'd3').taskState(d3tid)).env.data).toEqual({ status: 6 });
      expect((await second.admin.getBatch(batch.id)).counts).toMatchObject({
        succeeded: 1,
        pending: 1,
        cancelled: 1,
      });
      expect((await second.admin.getPackage(pkgId)).verified).toBe(true);
      // the scheduled batch still starts, after the restart
      expect((await second.admin.getBatch(later.id)).status).toBe('scheduled');
      second.server.runScheduler(laterAt);
      expect((await second.admin.getBatch(later.id)).status).toBe('completed');
    } finally {
      await second.close();
    }
  });

  it('keeps every acknowledged change when the server process is killed with SIGKILL', async () => {
    const dataFile = join(tmp.dir, 'crash.db');
    const child = await spawnOtaServer({ dataFile, logLevel: 'warn' });
    const admin = createAdminClient(child.url, child.adminToken);
    let tid = 0;
    try {
      await admin.createProduct({ id: PID, accessKey: ACCESS_KEY });
      await admin.createDevices(PID, { prefix: 'd', count: 50, versions: { f_version: { 'V1.0': 1 } } });
      const pkg = await admin.createPackage(PID, {
        name: 'fw',
        module: 'fota',
        targetVersion: 'V2.0',
        synthetic: { size: 2048 },
      });
      await admin.verifyPackage(pkg.id, { skip: true });
      await admin.createBatch(pkg.id, { fromVersion: 'V1.0' });
      const d = deviceClient(child.url, PID, 'd7');
      tid = ((await d.check(1, 'V1.0')).env.data as { tid: number }).tid;
      expect((await d.reportStatus(tid, 42)).env.errno).toBe(0);
      expect(
        (await deviceClient(child.url, PID, 'd8').reportVersion({ s_version: 'S-crash' })).env.errno,
      ).toBe(0);
    } finally {
      await admin.close();
    }
    child.kill('SIGKILL');
    expect((await child.exited).signal).toBe('SIGKILL');

    const again = await spawnOtaServer({ dataFile, logLevel: 'warn' });
    try {
      expect(again.adminToken).toBe(child.adminToken);
      const d = deviceClient(again.url, PID, 'd7');
      expect((await d.taskState(tid)).env.data).toEqual({ status: TaskStatus.DOWNLOADING });
      expect((await deviceClient(again.url, PID, 'd8').queryVersion()).env.data).toEqual({
        f_version: 'V1.0',
        s_version: 'S-crash',
      });
      const admin2 = createAdminClient(again.url, again.adminToken);
      expect((await admin2.getProduct(PID)).devices).toBe(50);
      await admin2.close();
    } finally {
      expect(await again.stop()).toBe(0);
    }
  });
});
