/**
 * The server's state: products, devices, packages, batches and live tasks held in memory for the hot
 * path, written through to SQLite before a reply acknowledges a change. Single-threaded: every method
 * runs to completion on the event loop, so memory and database never disagree between requests.
 */
import type { Logger } from 'pino';
import { ModuleType, type ModuleTypeValue, TaskStatus } from '../../ota/codes.ts';
import type { BatchRecord, DeviceRecord, PackageRecord, ProductRecord, TaskRecord } from './records.ts';
import type { OtaStore } from './store.ts';

/** A device in memory, with its live task per module (index 0 FOTA, 1 SOTA). */
export interface DeviceState extends DeviceRecord {
  active: [TaskRecord | undefined, TaskRecord | undefined];
}

/** A device to create: name, key and starting versions. */
export type NewDevice = Pick<DeviceRecord, 'name' | 'key' | 'fVersion' | 'sVersion'>;

/** The version a device records for a module. */
export function moduleVersion(d: DeviceRecord, module: ModuleTypeValue): string | null {
  return module === ModuleType.FOTA ? d.fVersion : d.sVersion;
}

/** Creates the state over an opened store and loads everything it keeps in memory. */
export function createOtaState(store: OtaStore, log: Logger) {
  const products = new Map<string, ProductRecord>();
  const devices = new Map<string, Map<string, DeviceState>>();
  const devicesById = new Map<number, DeviceState>();
  const packages = new Map<number, PackageRecord>();
  const batches = new Map<number, BatchRecord>();
  const liveTasks = new Map<number, TaskRecord>();
  const liveByBatch = new Map<number, number>();

  const addDeviceToMemory = (d: DeviceRecord): DeviceState => {
    const state: DeviceState = { ...d, active: [undefined, undefined] };
    let byName = devices.get(d.pid);
    if (!byName) {
      byName = new Map();
      devices.set(d.pid, byName);
    }
    byName.set(d.name, state);
    devicesById.set(d.id, state);
    return state;
  };

  const track = (t: TaskRecord): void => {
    if (!liveTasks.has(t.id)) liveByBatch.set(t.batchId, (liveByBatch.get(t.batchId) ?? 0) + 1);
    liveTasks.set(t.id, t);
    const d = devicesById.get(t.deviceId);
    if (d) d.active[t.module - 1] = t;
  };

  const untrack = (t: TaskRecord): void => {
    if (liveTasks.delete(t.id)) liveByBatch.set(t.batchId, (liveByBatch.get(t.batchId) ?? 1) - 1);
    const d = devicesById.get(t.deviceId);
    if (d && d.active[t.module - 1]?.id === t.id) d.active[t.module - 1] = undefined;
  };

  const load = (): void => {
    for (const p of store.allProducts()) products.set(p.id, p);
    for (const d of store.iterateDevices()) addDeviceToMemory(d);
    for (const p of store.allPackages()) packages.set(p.id, p);
    for (const b of store.allBatches()) batches.set(b.id, b);
    for (const t of store.liveTasks()) track(t);
    log.debug({ products: products.size, devices: devicesById.size, live: liveTasks.size }, 'state loaded');
  };

  const setVersion = (d: DeviceState, module: ModuleTypeValue, version: string): boolean => {
    if (moduleVersion(d, module) === version) return false;
    if (module === ModuleType.FOTA) d.fVersion = version;
    else d.sVersion = version;
    store.setDeviceVersion(d.id, module, version);
    return true;
  };

  /** Ends a task for good (succeeded, failed without retries left, cancelled). */
  const finish = (t: TaskRecord, status: number, reason: string | null, now: number): void => {
    t.status = status;
    t.reason = reason;
    t.updatedAt = now;
    t.finishedAt = now;
    t.deadlineAt = null;
    t.retryAt = null;
    untrack(t);
    store.transaction(() => {
      store.updateTask(t);
      if (status !== TaskStatus.SUCCEEDED) return;
      const pkg = packages.get(t.packageId);
      const d = devicesById.get(t.deviceId);
      if (pkg && d) setVersion(d, t.module, pkg.targetVersion);
      const batch = batches.get(t.batchId);
      if (pkg && batch?.kind === 'verification' && !pkg.verified) {
        pkg.verified = true;
        store.setVerified(pkg.id);
      }
    });
  };

  /** Fails a task: back to pending after the retry interval if the batch allows another attempt. */
  const fail = (t: TaskRecord, reason: string, now: number): void => {
    const batch = batches.get(t.batchId);
    const retriesLeft = batch ? batch.retryCount - (t.attempts - 1) : 0;
    if (retriesLeft <= 0 || batch?.status === 'cancelled') {
      finish(t, TaskStatus.FAILED, reason, now);
      return;
    }
    t.status = TaskStatus.FAILED;
    t.reason = reason;
    t.updatedAt = now;
    t.deadlineAt = null;
    t.retryAt = now + (batch?.retryIntervalMs ?? 0);
    store.updateTask(t);
  };

  return {
    store,
    products,
    devices,
    devicesById,
    packages,
    batches,
    liveTasks,
    load,
    device: (pid: string, name: string): DeviceState | undefined => devices.get(pid)?.get(name),
    /** How many tasks of a batch can still move (live, or failed and waiting for a retry). */
    liveCount: (batchId: number): number => liveByBatch.get(batchId) ?? 0,
    /** A task by id: live ones from memory, finished ones from the database. */
    task: (id: number): TaskRecord | undefined => liveTasks.get(id) ?? store.taskById(id),

    addProduct(p: ProductRecord): void {
      store.insertProduct(p);
      products.set(p.id, p);
      if (!devices.has(p.id)) devices.set(p.id, new Map());
    },

    /** Inserts devices in one transaction; all or none. */
    addDevices(pid: string, list: readonly NewDevice[], now: number): DeviceState[] {
      const ids = store.transaction(() => list.map((d) => store.insertDevice({ ...d, pid, createdAt: now })));
      return list.map((d, i) => addDeviceToMemory({ ...d, id: ids[i]!, pid, createdAt: now }));
    },

    addPackage(p: Omit<PackageRecord, 'id'>, content: Buffer | null): PackageRecord {
      const id = store.insertPackage(p, content);
      const pkg = { ...p, id };
      packages.set(id, pkg);
      return pkg;
    },

    markVerified(pkg: PackageRecord): void {
      if (pkg.verified) return;
      pkg.verified = true;
      store.setVerified(pkg.id);
    },

    addBatch(b: Omit<BatchRecord, 'id'>): BatchRecord {
      const batch = { ...b, id: store.insertBatch(b) };
      batches.set(batch.id, batch);
      return batch;
    },

    saveBatch: (b: BatchRecord): void => store.updateBatch(b),

    /** Creates pending tasks for devices in one transaction; returns them. */
    addTasks(
      batch: BatchRecord,
      pkg: PackageRecord,
      targets: readonly DeviceState[],
      now: number,
    ): TaskRecord[] {
      return store.transaction(() =>
        targets.map((d) => {
          const t: Omit<TaskRecord, 'id'> = {
            batchId: batch.id,
            packageId: pkg.id,
            deviceId: d.id,
            module: pkg.module,
            status: TaskStatus.PENDING,
            step: null,
            attempts: 1,
            reason: null,
            createdAt: now,
            updatedAt: now,
            deadlineAt: now + batch.timeoutMs,
            retryAt: null,
            finishedAt: null,
            notified: 0,
            informId: null,
            ackedAt: null,
          };
          const task = { ...t, id: store.insertTask(t) };
          track(task);
          return task;
        }),
      );
    },

    /**
     * Puts a product back to its start: every batch of its packages and their tasks deleted (from
     * memory and the database, in one transaction), every device's versions set to `version`.
     */
    resetProduct(pid: string, version: string): { batches: number; tasks: number; devices: number } {
      const pkgIds = new Set([...packages.values()].filter((p) => p.pid === pid).map((p) => p.id));
      const batchIds = new Set([...batches.values()].filter((b) => pkgIds.has(b.packageId)).map((b) => b.id));
      const fleet = [...(devices.get(pid)?.values() ?? [])];
      const removed = store.transaction(() => {
        let n = { batches: 0, tasks: 0 };
        for (const id of pkgIds) {
          const r = store.deleteBatchesOfPackage(id);
          n = { batches: n.batches + r.batches, tasks: n.tasks + r.tasks };
        }
        for (const d of fleet) {
          setVersion(d, ModuleType.FOTA, version);
          setVersion(d, ModuleType.SOTA, version);
        }
        return n;
      });
      for (const t of [...liveTasks.values()]) if (batchIds.has(t.batchId)) untrack(t);
      for (const id of batchIds) {
        batches.delete(id);
        liveByBatch.delete(id);
      }
      return { ...removed, devices: fleet.length };
    },

    /** Records a reported version; true when it changed (and was written). */
    recordVersion: setVersion,

    /** Writes a live task whose status or step changed without leaving the live set. */
    saveTask(t: TaskRecord, now: number): void {
      t.updatedAt = now;
      store.updateTask(t);
    },

    succeed: (t: TaskRecord, now: number): void => finish(t, TaskStatus.SUCCEEDED, null, now),
    fail,
    cancel: (t: TaskRecord, reason: string, now: number): void =>
      finish(t, TaskStatus.CANCELLED, reason, now),

    /** Puts a failed task with retries left back to pending, with a fresh timeout. */
    retry(t: TaskRecord, now: number): void {
      const batch = batches.get(t.batchId);
      t.status = TaskStatus.PENDING;
      t.step = null;
      t.attempts += 1;
      t.reason = null;
      t.retryAt = null;
      t.updatedAt = now;
      t.deadlineAt = now + (batch?.timeoutMs ?? 600_000);
      store.updateTask(t);
    },
  };
}

/** The server state. */
export type OtaState = ReturnType<typeof createOtaState>;
