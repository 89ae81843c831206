import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/server/store/store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('store: the MQTT push columns', () => {
  it('adds notify_mqtt, notified, inform_id and acked_at to a data file written before them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ota-store-'));
    dirs.push(dir);
    const file = join(dir, 'old.db');
    openStore(file).close();
    // Make it a file of the earlier schema.
    const raw = new Database(file);
    raw.exec('ALTER TABLE batches DROP COLUMN notify_mqtt');
    for (const c of ['notified', 'inform_id', 'acked_at']) raw.exec(`ALTER TABLE tasks DROP COLUMN ${c}`);
    raw.close();

    const store = openStore(file);
    try {
      const id = store.insertBatch({
        packageId: 1,
        name: 'b',
        kind: 'batch',
        fromVersion: 'V1',
        devices: null,
        startAt: 0,
        timeoutMs: 1000,
        retryCount: 0,
        retryIntervalMs: 0,
        notifyUrl: null,
        notifyMqtt: true,
        status: 'scheduled',
        targeted: 0,
        skipped: 0,
        createdAt: 0,
        startedAt: null,
        finishedAt: null,
        push: null,
      });
      expect(store.allBatches().find((b) => b.id === id)?.notifyMqtt).toBe(true);
      const task = {
        batchId: id,
        packageId: 1,
        deviceId: 1,
        module: 1 as const,
        status: 1,
        step: null,
        attempts: 1,
        reason: null,
        createdAt: 0,
        updatedAt: 0,
        deadlineAt: 1000,
        retryAt: null,
        finishedAt: null,
        notified: 0,
        informId: null,
        ackedAt: null,
      };
      const tid = store.insertTask(task);
      expect(store.taskById(tid)).toMatchObject({ notified: 0, informId: null, ackedAt: null });
      store.setTaskInform({ ...task, id: tid, notified: 2, informId: `${tid}-0123456789abcdef` });
      store.setTaskAck({ ...task, id: tid, ackedAt: 5 });
      expect(store.taskById(tid)).toMatchObject({
        notified: 2,
        informId: `${tid}-0123456789abcdef`,
        ackedAt: 5,
      });
      expect(store.batchInformTotals(id)).toEqual({ notified: 2, acknowledged: 1 });
    } finally {
      store.close();
    }
  });
});
