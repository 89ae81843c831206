/**
 * SQLite persistence of the reference server (better-sqlite3, WAL, synchronous=NORMAL: a committed
 * write survives a crash of the process). Every statement is prepared once. Callers hold the hot
 * records in memory and write through; this module only maps rows to records.
 */
import Database from 'better-sqlite3';
import { ModuleType, type ModuleTypeValue, TaskStatus } from '../../ota/codes.ts';
import type { BatchRecord, DeviceRecord, PackageRecord, ProductRecord, TaskRecord } from './records.ts';
import { type Row, toBatch, toDevice, toPackage, toProduct, toTask } from './rows.ts';

export { toTask };

// The statuses of a live task (pending, downloading, upgrading), as an SQL list.
const LIVE = `(${TaskStatus.PENDING}, ${TaskStatus.DOWNLOADING}, ${TaskStatus.UPGRADING})`;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (id TEXT PRIMARY KEY, name TEXT NOT NULL, access_key TEXT NOT NULL,
  created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS devices (id INTEGER PRIMARY KEY, pid TEXT NOT NULL, name TEXT NOT NULL,
  key TEXT NOT NULL, f_version TEXT, s_version TEXT, created_at INTEGER NOT NULL, UNIQUE (pid, name));
CREATE TABLE IF NOT EXISTS packages (id INTEGER PRIMARY KEY, pid TEXT NOT NULL, name TEXT NOT NULL,
  module INTEGER NOT NULL, type INTEGER NOT NULL, target_version TEXT NOT NULL, from_version TEXT,
  description TEXT NOT NULL, file_name TEXT NOT NULL, size INTEGER NOT NULL, md5 TEXT NOT NULL,
  synthetic_seed INTEGER, content BLOB, verified INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS batches (id INTEGER PRIMARY KEY, package_id INTEGER NOT NULL, name TEXT NOT NULL,
  kind TEXT NOT NULL, from_version TEXT, devices TEXT, start_at INTEGER NOT NULL, timeout_ms INTEGER NOT NULL,
  retry_count INTEGER NOT NULL, retry_interval_ms INTEGER NOT NULL, notify_url TEXT, status TEXT NOT NULL,
  targeted INTEGER NOT NULL, skipped INTEGER NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER,
  finished_at INTEGER, push TEXT);
CREATE TABLE IF NOT EXISTS tasks (id INTEGER PRIMARY KEY, batch_id INTEGER NOT NULL, package_id INTEGER NOT NULL,
  device_id INTEGER NOT NULL, module INTEGER NOT NULL, status INTEGER NOT NULL, step INTEGER,
  attempts INTEGER NOT NULL, reason TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  deadline_at INTEGER, retry_at INTEGER, finished_at INTEGER);
CREATE INDEX IF NOT EXISTS tasks_by_batch ON tasks (batch_id, status);
CREATE INDEX IF NOT EXISTS tasks_by_deadline ON tasks (deadline_at) WHERE status IN ${LIVE};
CREATE INDEX IF NOT EXISTS tasks_by_retry ON tasks (retry_at) WHERE retry_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS tasks_retrying_by_batch ON tasks (batch_id) WHERE retry_at IS NOT NULL;
`;

// Columns added after the first schema (the MQTT push): created on open if an older file lacks them.
const ADDED_COLUMNS: readonly [table: string, column: string, definition: string][] = [
  ['batches', 'notify_mqtt', 'INTEGER NOT NULL DEFAULT 0'],
  ['tasks', 'notified', 'INTEGER NOT NULL DEFAULT 0'],
  ['tasks', 'inform_id', 'TEXT'],
  ['tasks', 'acked_at', 'INTEGER'],
];

function addMissingColumns(db: Database.Database): void {
  for (const [table, column, definition] of ADDED_COLUMNS) {
    const columns = db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[];
    if (!columns.some((c) => c.name === column)) {
      db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    }
  }
}

const TASK_COLUMNS =
  'batch_id, package_id, device_id, module, status, step, attempts, reason, created_at, updated_at, deadline_at, retry_at, finished_at';

function taskValues(t: TaskRecord): unknown[] {
  return [
    t.batchId,
    t.packageId,
    t.deviceId,
    t.module,
    t.status,
    t.step,
    t.attempts,
    t.reason,
    t.createdAt,
    t.updatedAt,
    t.deadlineAt,
    t.retryAt,
    t.finishedAt,
  ];
}

/** Opens (creating if needed) the database and prepares every statement. */
export function openStore(file: string) {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  addMissingColumns(db);
  const s = {
    getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setMeta: db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
    insertProduct: db.prepare('INSERT INTO products (id, name, access_key, created_at) VALUES (?, ?, ?, ?)'),
    allProducts: db.prepare('SELECT * FROM products ORDER BY created_at, id'),
    insertDevice: db.prepare(
      'INSERT INTO devices (pid, name, key, f_version, s_version, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    allDevices: db.prepare('SELECT * FROM devices ORDER BY id'),
    setFVersion: db.prepare('UPDATE devices SET f_version = ? WHERE id = ?'),
    setSVersion: db.prepare('UPDATE devices SET s_version = ? WHERE id = ?'),
    insertPackage: db.prepare(
      `INSERT INTO packages (pid, name, module, type, target_version, from_version, description, file_name, size,
       md5, synthetic_seed, content, verified, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    allPackages: db.prepare(
      `SELECT id, pid, name, module, type, target_version, from_version, description, file_name, size, md5,
       synthetic_seed, verified, created_at FROM packages ORDER BY id`,
    ),
    packageContent: db.prepare('SELECT content FROM packages WHERE id = ?').pluck(),
    setVerified: db.prepare('UPDATE packages SET verified = 1 WHERE id = ?'),
    insertBatch: db.prepare(
      `INSERT INTO batches (package_id, name, kind, from_version, devices, start_at, timeout_ms, retry_count,
       retry_interval_ms, notify_url, status, targeted, skipped, created_at, started_at, finished_at, push,
       notify_mqtt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateBatch: db.prepare(
      'UPDATE batches SET status = ?, targeted = ?, skipped = ?, started_at = ?, finished_at = ?, push = ? WHERE id = ?',
    ),
    allBatches: db.prepare('SELECT * FROM batches ORDER BY id'),
    insertTask: db.prepare(
      `INSERT INTO tasks (${TASK_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateTask: db.prepare(
      `UPDATE tasks SET status = ?, step = ?, attempts = ?, reason = ?, updated_at = ?, deadline_at = ?,
       retry_at = ?, finished_at = ? WHERE id = ?`,
    ),
    taskById: db.prepare('SELECT * FROM tasks WHERE id = ?'),
    setTaskInform: db.prepare('UPDATE tasks SET notified = ?, inform_id = ? WHERE id = ?'),
    setTaskAck: db.prepare('UPDATE tasks SET acked_at = ? WHERE id = ?'),
    batchInformTotals: db.prepare(
      'SELECT COALESCE(SUM(notified), 0) AS notified, COUNT(acked_at) AS acknowledged FROM tasks WHERE batch_id = ?',
    ),
    liveTasks: db.prepare(`SELECT * FROM tasks WHERE status IN ${LIVE} OR retry_at IS NOT NULL`),
    dueDeadlines: db.prepare(`SELECT id FROM tasks WHERE status IN ${LIVE} AND deadline_at <= ?`).pluck(),
    dueRetries: db.prepare('SELECT id FROM tasks WHERE retry_at IS NOT NULL AND retry_at <= ?').pluck(),
    batchCounts: db.prepare('SELECT status, COUNT(*) AS n FROM tasks WHERE batch_id = ? GROUP BY status'),
    batchRetrying: db
      .prepare('SELECT COUNT(*) FROM tasks WHERE batch_id = ? AND retry_at IS NOT NULL')
      .pluck(),
    batchTasks: db.prepare(
      `SELECT t.*, d.name AS device FROM tasks t JOIN devices d ON d.id = t.device_id
       WHERE t.batch_id = ? ORDER BY t.id LIMIT ? OFFSET ?`,
    ),
    batchTasksByStatus: db.prepare(
      `SELECT t.*, d.name AS device FROM tasks t JOIN devices d ON d.id = t.device_id
       WHERE t.batch_id = ? AND t.status = ? ORDER BY t.id LIMIT ? OFFSET ?`,
    ),
    batchTasksOfDevice: db.prepare(
      `SELECT t.*, d.name AS device FROM tasks t JOIN devices d ON d.id = t.device_id
       WHERE t.batch_id = ? AND t.device_id = ? ORDER BY t.id`,
    ),
    batchTaskCount: db.prepare('SELECT COUNT(*) FROM tasks WHERE batch_id = ?').pluck(),
    deleteTasksOfPackage: db.prepare(
      'DELETE FROM tasks WHERE batch_id IN (SELECT id FROM batches WHERE package_id = ?)',
    ),
    deleteBatchesOfPackage: db.prepare('DELETE FROM batches WHERE package_id = ?'),
    batchTaskCountByStatus: db
      .prepare('SELECT COUNT(*) FROM tasks WHERE batch_id = ? AND status = ?')
      .pluck(),
  };

  return {
    db,
    close: () => db.close(),
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    /** Deletes every batch of a package and their tasks; returns how many of each. */
    deleteBatchesOfPackage(packageId: number): { batches: number; tasks: number } {
      const tasks = s.deleteTasksOfPackage.run(packageId).changes;
      return { tasks, batches: s.deleteBatchesOfPackage.run(packageId).changes };
    },
    getMeta: (key: string) => s.getMeta.get(key) as string | undefined,
    setMeta: (key: string, value: string) => void s.setMeta.run(key, value),
    insertProduct: (p: ProductRecord) => void s.insertProduct.run(p.id, p.name, p.accessKey, p.createdAt),
    allProducts: () => (s.allProducts.all() as Row[]).map(toProduct),
    insertDevice: (d: Omit<DeviceRecord, 'id'>): number =>
      Number(s.insertDevice.run(d.pid, d.name, d.key, d.fVersion, d.sVersion, d.createdAt).lastInsertRowid),
    *iterateDevices(): Generator<DeviceRecord> {
      for (const r of s.allDevices.iterate() as Iterable<Row>) yield toDevice(r);
    },
    setDeviceVersion: (id: number, module: ModuleTypeValue, version: string) =>
      void (module === ModuleType.FOTA ? s.setFVersion : s.setSVersion).run(version, id),
    insertPackage: (p: Omit<PackageRecord, 'id'>, content: Buffer | null): number =>
      Number(
        s.insertPackage.run(
          p.pid,
          p.name,
          p.module,
          p.type,
          p.targetVersion,
          p.fromVersion,
          p.description,
          p.fileName,
          p.size,
          p.md5,
          p.syntheticSeed,
          content,
          p.verified ? 1 : 0,
          p.createdAt,
        ).lastInsertRowid,
      ),
    allPackages: () => (s.allPackages.all() as Row[]).map(toPackage),
    packageContent: (id: number) => (s.packageContent.get(id) as Buffer | null | undefined) ?? null,
    setVerified: (id: number) => void s.setVerified.run(id),
    insertBatch: (b: Omit<BatchRecord, 'id'>): number =>
      Number(
        s.insertBatch.run(
          b.packageId,
          b.name,
          b.kind,
          b.fromVersion,
          b.devices === null ? null : JSON.stringify(b.devices),
          b.startAt,
          b.timeoutMs,
          b.retryCount,
          b.retryIntervalMs,
          b.notifyUrl,
          b.status,
          b.targeted,
          b.skipped,
          b.createdAt,
          b.startedAt,
          b.finishedAt,
          b.push,
          b.notifyMqtt ? 1 : 0,
        ).lastInsertRowid,
      ),
    updateBatch: (b: BatchRecord) =>
      void s.updateBatch.run(b.status, b.targeted, b.skipped, b.startedAt, b.finishedAt, b.push, b.id),
    allBatches: () => (s.allBatches.all() as Row[]).map(toBatch),
    insertTask: (t: Omit<TaskRecord, 'id'>): number =>
      Number(s.insertTask.run(...taskValues(t as TaskRecord)).lastInsertRowid),
    updateTask: (t: TaskRecord) =>
      void s.updateTask.run(
        t.status,
        t.step,
        t.attempts,
        t.reason,
        t.updatedAt,
        t.deadlineAt,
        t.retryAt,
        t.finishedAt,
        t.id,
      ),
    taskById: (id: number): TaskRecord | undefined => {
      const r = s.taskById.get(id) as Row | undefined;
      return r ? toTask(r) : undefined;
    },
    liveTasks: () => (s.liveTasks.all() as Row[]).map(toTask),
    /** Writes a task's inform count and last inform id. */
    setTaskInform: (t: TaskRecord) => void s.setTaskInform.run(t.notified, t.informId, t.id),
    /** Writes when a task's inform was acknowledged. */
    setTaskAck: (t: TaskRecord) => void s.setTaskAck.run(t.ackedAt, t.id),
    /** Informs sent for a batch's tasks, and how many tasks acknowledged one. */
    batchInformTotals: (batchId: number) =>
      s.batchInformTotals.get(batchId) as { notified: number; acknowledged: number },
    dueDeadlines: (now: number) => s.dueDeadlines.all(now) as number[],
    dueRetries: (now: number) => s.dueRetries.all(now) as number[],
    batchCounts: (batchId: number) => s.batchCounts.all(batchId) as { status: number; n: number }[],
    batchRetrying: (batchId: number) => s.batchRetrying.get(batchId) as number,
    batchTasks: (batchId: number, status: number | undefined, limit: number, offset: number) =>
      (status === undefined
        ? s.batchTasks.all(batchId, limit, offset)
        : s.batchTasksByStatus.all(batchId, status, limit, offset)) as Row[],
    batchTasksOfDevice: (batchId: number, deviceId: number) =>
      s.batchTasksOfDevice.all(batchId, deviceId) as Row[],
    batchTaskCount: (batchId: number, status: number | undefined) =>
      (status === undefined
        ? s.batchTaskCount.get(batchId)
        : s.batchTaskCountByStatus.get(batchId, status)) as number,
  };
}

/** The opened store. */
export type OtaStore = ReturnType<typeof openStore>;
