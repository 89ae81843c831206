/** The records the reference server keeps (in SQLite, and hot ones in memory). Times are epoch ms. */
import type { ModuleTypeValue, PackageTypeValue } from '../../ota/codes.ts';

/** A product: its id and the base64 access key that signs product-level tokens. */
export interface ProductRecord {
  id: string;
  name: string;
  accessKey: string;
  createdAt: number;
}

/** A device and the versions the platform records for it (null: never reported). */
export interface DeviceRecord {
  id: number;
  pid: string;
  name: string;
  key: string;
  fVersion: string | null;
  sVersion: string | null;
  createdAt: number;
}

/** An upgrade package. Synthetic packages keep only their seed; uploaded ones their bytes. */
export interface PackageRecord {
  id: number;
  pid: string;
  name: string;
  module: ModuleTypeValue;
  type: PackageTypeValue;
  targetVersion: string;
  fromVersion: string | null;
  description: string;
  fileName: string;
  size: number;
  md5: string;
  syntheticSeed: number | null;
  verified: boolean;
  createdAt: number;
}

/** Lifecycle of a batch. `completed` once no task of it can move any more. */
export type BatchStatus = 'scheduled' | 'running' | 'completed' | 'cancelled';

/** A batch (console "upgrade task") or the one-device verification upgrade of a package. */
export interface BatchRecord {
  id: number;
  packageId: number;
  name: string;
  kind: 'batch' | 'verification';
  /** The from-version; null = devices that never reported a version of the module. */
  fromVersion: string | null;
  devices: string[] | null;
  startAt: number;
  timeoutMs: number;
  retryCount: number;
  retryIntervalMs: number;
  notifyUrl: string | null;
  /** True when the batch notifies its devices over MQTT (`ota/inform`) at its start and each retry. */
  notifyMqtt: boolean;
  status: BatchStatus;
  targeted: number;
  skipped: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** HTTP push outcome: null (none configured), `pending`, `sent`, or `failed: reason`. */
  push: string | null;
}

/** One device's task of a batch. `tid` on the wire is `id`. */
export interface TaskRecord {
  id: number;
  batchId: number;
  packageId: number;
  deviceId: number;
  module: ModuleTypeValue;
  status: number;
  step: number | null;
  attempts: number;
  /** Why it failed or was cancelled: `step 205`, `timeout`, `cancelled by batch`... */
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  /** When the current attempt times out (null once final). */
  deadlineAt: number | null;
  /** When a failed task with retries left goes back to pending (null otherwise). */
  retryAt: number | null;
  finishedAt: number | null;
  /** MQTT informs sent for this task (every attempt, every connect). */
  notified: number;
  /** Id of the last inform sent (a reply must carry an id sent to this device for this task). */
  informId: string | null;
  /** When the device last acknowledged an inform of this task (`inform_reply`), or null. */
  ackedAt: number | null;
}
