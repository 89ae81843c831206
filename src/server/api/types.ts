/**
 * JSON shapes of the management API (`/api/...`): what each route accepts and returns. Shared by the
 * server's handlers and the typed admin client. Times are epoch milliseconds.
 */

import type { Errno, TaskStatus } from '../../ota/codes.ts';
import type { FleetVersionWeights } from '../../ota/fleet-versions.ts';
import type { OtaCall } from '../../ota/routes.ts';
import type { FaultConfig, FaultCounts } from '../faults.ts';

export type ModuleName = 'fota' | 'sota';
export type PackageKind = 'full' | 'diff';
export type TaskStatusName = 'pending' | 'downloading' | 'upgrading' | 'succeeded' | 'failed' | 'cancelled';
export type BatchStatusName = 'scheduled' | 'running' | 'completed' | 'cancelled';

/** GET /api/health */
export interface HealthInfo {
  ok: true;
  dialect: 'studio' | 'fuse';
  noTaskErrno: typeof Errno.NO_TASK | typeof Errno.NO_TASK_ALT;
  cancelledStatus: typeof TaskStatus.CANCELLED | typeof TaskStatus.FAILED;
  downloadingOn: 'download' | 'progress' | 'either';
  products: number;
  devices: number;
  liveTasks: number;
  uptimeMs: number;
  /** The broker's URL (`mqtt://127.0.0.1:PORT`) when the server runs one. */
  mqtt?: string;
}

/** Counters of the MQTT broker (all zero when it is off). `connected` is the current connection count. */
export interface MqttStats {
  connected: number;
  connectsRefused: number;
  aclRefused: number;
  informsSent: number;
  repliesOk: number;
  repliesIgnored: number;
}

/** GET /api/stats */
export interface StatsInfo {
  uptimeMs: number;
  calls: Record<OtaCall, { requests: number; replies: Record<string, number> }>;
  other: { notFound: number; clientErrors: number; management: number };
  push: { sent: number; failed: number };
  mqtt: MqttStats;
  faults: FaultCounts;
  /** Verified tokens cached, and their estimated bytes. */
  tokenCache: number;
  tokenCacheBytes: number;
}

export interface CreateProductInput {
  id?: string;
  name?: string;
  /** base64; default 32 random bytes. */
  accessKey?: string;
}
export interface ProductInfo {
  id: string;
  name: string;
  accessKey: string;
  devices: number;
  createdAt: number;
}

export interface CreateDeviceInput {
  name: string;
  key?: string;
  fVersion?: string;
  sVersion?: string;
}
export interface BulkDevicesInput {
  /** Names `${prefix}${index}`; exclusive with namePattern. */
  prefix?: string;
  /** `{index}` / `{index:N}` pattern; default `dev-{index:06}`. */
  namePattern?: string;
  count: number;
  /** First index; default 1. */
  start?: number;
  /** Starting-version weights, assigned with assignFleetVersions(versions, index, seed). */
  versions?: FleetVersionWeights;
  seed?: number;
  /** Include `devices` (names and keys) in the reply; default true. */
  returnDevices?: boolean;
}
export interface CreatedDevices {
  created: number;
  devices: { name: string; key: string }[];
}
export interface DeviceInfo {
  name: string;
  key: string;
  fVersion: string | null;
  sVersion: string | null;
  createdAt: number;
}
export interface DeviceDetail extends DeviceInfo {
  tasks: { fota: TaskInfo | null; sota: TaskInfo | null };
}
export interface DeviceList {
  total: number;
  offset: number;
  limit: number;
  devices: DeviceInfo[];
}

export interface CreatePackageInput {
  name: string;
  module: ModuleName;
  type?: PackageKind;
  targetVersion: string;
  /** Required for a diff package: the version it applies to. */
  fromVersion?: string;
  description?: string;
  /** `.bin`/`.zip`/`.rar`; default `<name>.bin`. */
  fileName?: string;
  /** Exactly one of synthetic and contentBase64. */
  synthetic?: { size: number; seed?: number };
  contentBase64?: string;
}
/** Query of POST /api/products/:pid/packages/upload (body: the raw bytes). */
export interface UploadPackageInput {
  name: string;
  module: ModuleName;
  type?: PackageKind;
  targetVersion: string;
  fromVersion?: string;
  description?: string;
  fileName: string;
}
export interface PackageInfo {
  id: number;
  productId: string;
  name: string;
  module: ModuleName;
  type: PackageKind;
  targetVersion: string;
  fromVersion: string | null;
  description: string;
  fileName: string;
  size: number;
  md5: string;
  synthetic: boolean;
  verified: boolean;
  createdAt: number;
}

export type VerificationInput = { device: string; timeoutSec?: number } | { skip: true };
export interface VerificationResult {
  package: PackageInfo;
  /** The one-device verification batch; null when skipped. */
  batch: BatchInfo | null;
  tid: number | null;
}

export interface CreateBatchInput {
  name?: string;
  /** Devices whose recorded version of the module equals this; null = never reported. */
  fromVersion: string | null;
  devices?: string[];
  /** Scheduled start (epoch ms); absent or past = immediate. */
  startAt?: number;
  /** Device-upgrade timeout, seconds (fractions allowed); default 600. */
  timeoutSec?: number;
  retry?: { count: number; intervalSec: number };
  notifyUrl?: string;
  /** How the batch notifies its devices: MQTT `ota/inform` (needs the broker) and/or the HTTP push URL. */
  notify?: { mqtt?: boolean; url?: string };
  skipVerification?: boolean;
}
export interface BatchCounts {
  pending: number;
  downloading: number;
  upgrading: number;
  succeeded: number;
  failed: number;
  cancelled: number;
  /** Of `failed`: tasks waiting to go back to pending under the retry policy. */
  retrying: number;
}
export interface BatchInfo {
  id: number;
  packageId: number;
  productId: string;
  name: string;
  kind: 'batch' | 'verification';
  status: BatchStatusName;
  fromVersion: string | null;
  devices: string[] | null;
  startAt: number;
  timeoutSec: number;
  retry: { count: number; intervalSec: number };
  notifyUrl: string | null;
  notify: { mqtt: boolean; url: string | null };
  targeted: number;
  skipped: number;
  counts: BatchCounts;
  /** MQTT informs sent for the batch's tasks, and how many tasks acknowledged one. */
  notified: number;
  acknowledged: number;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  push: string | null;
}
export interface TaskInfo {
  tid: number;
  batchId: number;
  packageId: number;
  device: string;
  module: ModuleName;
  status: TaskStatusName;
  statusCode: number;
  step: number | null;
  attempts: number;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  deadlineAt: number | null;
  retryAt: number | null;
  finishedAt: number | null;
  /** MQTT informs sent for this task. */
  notified: number;
  /** True once the device answered an inform of this task (`inform_reply`); when, in `acknowledgedAt`. */
  acknowledged: boolean;
  acknowledgedAt: number | null;
}
export interface TaskList {
  total: number;
  offset: number;
  limit: number;
  tasks: TaskInfo[];
}
export interface CancelBatchInput {
  scope?: 'all' | 'scheduled';
}

/** GET/PUT /api/faults */
export type FaultsInfo = FaultConfig;

/** Body of every management error reply. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string };
}
export type ApiErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'CONFLICT'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INTERNAL';
