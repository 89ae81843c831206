/** Records → management API JSON (types.ts), and the error type management handlers throw. */
import { ModuleType, PackageType, TASK_STATUS_NAME, type TaskStatusValue } from '../../ota/codes.ts';
import type { BatchRecord, DeviceRecord, PackageRecord, TaskRecord } from '../store/records.ts';
import type { OtaStore } from '../store/store.ts';
import type {
  ApiErrorCode,
  BatchCounts,
  BatchInfo,
  DeviceInfo,
  ModuleName,
  PackageInfo,
  TaskInfo,
  TaskStatusName,
} from './types.ts';

/** Longest message of an API error, in characters: a problem never echoes a huge value back. */
export const MAX_ERROR_MESSAGE = 1000;

/** `text` cut to `max` characters (code points), with `…` where it was cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const points = [...text.slice(0, max + 1)];
  return points.length <= max ? points.join('') : `${points.slice(0, max - 1).join('')}…`;
}

/** A management request that cannot be served: HTTP status, stable code, message (≤ 1000 characters). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ApiErrorCode;
  constructor(status: number, code: ApiErrorCode, message: string) {
    super(clip(message, MAX_ERROR_MESSAGE));
    this.status = status;
    this.code = code;
  }
}

export const badRequest = (message: string) => new ApiError(400, 'BAD_REQUEST', message);
export const notFound = (message: string) => new ApiError(404, 'NOT_FOUND', message);
export const conflict = (message: string) => new ApiError(409, 'CONFLICT', message);

/** `fota` for module type FOTA (1), `sota` for SOTA (2). */
export function moduleName(module: number): ModuleName {
  return module === ModuleType.FOTA ? 'fota' : 'sota';
}

export function statusName(status: number): TaskStatusName {
  return (TASK_STATUS_NAME[status as TaskStatusValue] ?? 'failed') as TaskStatusName;
}

export function deviceInfo(d: DeviceRecord): DeviceInfo {
  return { name: d.name, key: d.key, fVersion: d.fVersion, sVersion: d.sVersion, createdAt: d.createdAt };
}

export function packageInfo(p: PackageRecord): PackageInfo {
  return {
    id: p.id,
    productId: p.pid,
    name: p.name,
    module: moduleName(p.module),
    type: p.type === PackageType.FULL ? 'full' : 'diff',
    targetVersion: p.targetVersion,
    fromVersion: p.fromVersion,
    description: p.description,
    fileName: p.fileName,
    size: p.size,
    md5: p.md5,
    synthetic: p.syntheticSeed !== null,
    verified: p.verified,
    createdAt: p.createdAt,
  };
}

export function taskInfo(t: TaskRecord, device: string): TaskInfo {
  return {
    tid: t.id,
    batchId: t.batchId,
    packageId: t.packageId,
    device,
    module: moduleName(t.module),
    status: statusName(t.status),
    statusCode: t.status,
    step: t.step,
    attempts: t.attempts,
    reason: t.reason,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    deadlineAt: t.deadlineAt,
    retryAt: t.retryAt,
    finishedAt: t.finishedAt,
    notified: t.notified,
    acknowledged: t.ackedAt !== null,
    acknowledgedAt: t.ackedAt,
  };
}

/** Task counts of a batch by status, from the database. */
export function batchCounts(store: OtaStore, batchId: number): BatchCounts {
  const counts: BatchCounts = {
    pending: 0,
    downloading: 0,
    upgrading: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    retrying: store.batchRetrying(batchId),
  };
  for (const { status, n } of store.batchCounts(batchId)) counts[statusName(status)] += n;
  return counts;
}

export function batchInfo(store: OtaStore, b: BatchRecord, pkg: PackageRecord | undefined): BatchInfo {
  return {
    id: b.id,
    packageId: b.packageId,
    productId: pkg?.pid ?? '',
    name: b.name,
    kind: b.kind,
    status: b.status,
    fromVersion: b.fromVersion,
    devices: b.devices,
    startAt: b.startAt,
    timeoutSec: b.timeoutMs / 1000,
    retry: { count: b.retryCount, intervalSec: b.retryIntervalMs / 1000 },
    notifyUrl: b.notifyUrl,
    notify: { mqtt: b.notifyMqtt, url: b.notifyUrl },
    targeted: b.targeted,
    skipped: b.skipped,
    counts: batchCounts(store, b.id),
    ...store.batchInformTotals(b.id),
    createdAt: b.createdAt,
    startedAt: b.startedAt,
    finishedAt: b.finishedAt,
    push: b.push,
  };
}
