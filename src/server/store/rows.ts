/** SQLite rows (snake_case columns) → records. */
import type { ModuleTypeValue, PackageTypeValue } from '../../ota/codes.ts';
import type {
  BatchRecord,
  BatchStatus,
  DeviceRecord,
  PackageRecord,
  ProductRecord,
  TaskRecord,
} from './records.ts';

/** A row as better-sqlite3 returns it. */
export type Row = Record<string, unknown>;

export function toProduct(r: Row): ProductRecord {
  return {
    id: r.id as string,
    name: r.name as string,
    accessKey: r.access_key as string,
    createdAt: r.created_at as number,
  };
}

export function toDevice(r: Row): DeviceRecord {
  return {
    id: r.id as number,
    pid: r.pid as string,
    name: r.name as string,
    key: r.key as string,
    fVersion: (r.f_version as string | null) ?? null,
    sVersion: (r.s_version as string | null) ?? null,
    createdAt: r.created_at as number,
  };
}

export function toPackage(r: Row): PackageRecord {
  return {
    id: r.id as number,
    pid: r.pid as string,
    name: r.name as string,
    module: r.module as ModuleTypeValue,
    type: r.type as PackageTypeValue,
    targetVersion: r.target_version as string,
    fromVersion: (r.from_version as string | null) ?? null,
    description: r.description as string,
    fileName: r.file_name as string,
    size: r.size as number,
    md5: r.md5 as string,
    syntheticSeed: (r.synthetic_seed as number | null) ?? null,
    verified: r.verified === 1,
    createdAt: r.created_at as number,
  };
}

export function toBatch(r: Row): BatchRecord {
  return {
    id: r.id as number,
    packageId: r.package_id as number,
    name: r.name as string,
    kind: r.kind as BatchRecord['kind'],
    fromVersion: (r.from_version as string | null) ?? null,
    devices: r.devices === null ? null : (JSON.parse(r.devices as string) as string[]),
    startAt: r.start_at as number,
    timeoutMs: r.timeout_ms as number,
    retryCount: r.retry_count as number,
    retryIntervalMs: r.retry_interval_ms as number,
    notifyUrl: (r.notify_url as string | null) ?? null,
    notifyMqtt: r.notify_mqtt === 1,
    status: r.status as BatchStatus,
    targeted: r.targeted as number,
    skipped: r.skipped as number,
    createdAt: r.created_at as number,
    startedAt: (r.started_at as number | null) ?? null,
    finishedAt: (r.finished_at as number | null) ?? null,
    push: (r.push as string | null) ?? null,
  };
}

/** Maps a task row (columns as in the schema) to a record. */
export function toTask(r: Row): TaskRecord {
  return {
    id: r.id as number,
    batchId: r.batch_id as number,
    packageId: r.package_id as number,
    deviceId: r.device_id as number,
    module: r.module as ModuleTypeValue,
    status: r.status as number,
    step: (r.step as number | null) ?? null,
    attempts: r.attempts as number,
    reason: (r.reason as string | null) ?? null,
    createdAt: r.created_at as number,
    updatedAt: r.updated_at as number,
    deadlineAt: (r.deadline_at as number | null) ?? null,
    retryAt: (r.retry_at as number | null) ?? null,
    finishedAt: (r.finished_at as number | null) ?? null,
    notified: (r.notified as number | null) ?? 0,
    informId: (r.inform_id as string | null) ?? null,
    ackedAt: (r.acked_at as number | null) ?? null,
  };
}
