/**
 * Numbers of the OneNET Studio OTA protocol (spec §3, §4): error numbers, task statuses, steps,
 * download `Ota-Errno` values and module/package types. Pure constants; imported by devices and server.
 */

/** Business error numbers (`errno` in the studio dialect, `code` in fuse). */
export const Errno = {
  OK: 0,
  AUTH_FAILED: 1,
  BAD_PARAM: 2,
  TOKEN_DEVICE_MISMATCH: 4,
  INTERNAL: 7,
  MODEL_MISMATCH: 8,
  DIFF_VERSION_MISMATCH: 9,
  NO_TASK_ALT: 10,
  NO_TASK: 11,
  TOKEN_EXPIRED: 12,
  BAD_TASK_STATE: 17,
  TASK_FINISHED: 20,
  INVALID_OPERATION: 21,
  TASK_CANCELLED: 22,
  BAD_BODY: 24,
  BAD_VERSION: 27,
  NO_DIFF_PACKAGE: 32,
  QUOTA_EXHAUSTED: 5116,
} as const;
export type ErrnoValue = (typeof Errno)[keyof typeof Errno];

/** Human text for each error number, used as `error`/`msg` of an error reply. */
export const ERRNO_TEXT: Readonly<Record<number, string>> = {
  0: 'succ',
  1: 'auth failed or device not exist',
  2: 'invalid parameter',
  4: 'token and device mismatch',
  7: 'internal error',
  8: 'device manufacturer or model mismatch',
  9: 'version mismatch for differential package',
  10: 'no upgrade task',
  11: 'no upgrade task',
  12: 'token expired',
  17: 'invalid task state',
  20: 'task already finished',
  21: 'invalid operation',
  22: 'task cancelled',
  24: 'invalid request body',
  27: 'invalid version format',
  32: 'no matching differential package',
  5116: 'quota exhausted',
};

/** Task status, as in call 5 and the `status` of call 2. */
export const TaskStatus = {
  PENDING: 1,
  DOWNLOADING: 2,
  UPGRADING: 3,
  SUCCEEDED: 4,
  FAILED: 5,
  CANCELLED: 6,
} as const;
export type TaskStatusValue = (typeof TaskStatus)[keyof typeof TaskStatus];

/** Names of task statuses, for reports and the management API. */
export const TASK_STATUS_NAME: Readonly<Record<TaskStatusValue, string>> = {
  1: 'pending',
  2: 'downloading',
  3: 'upgrading',
  4: 'succeeded',
  5: 'failed',
  6: 'cancelled',
};

/** True for a status from which a task never moves again. */
export function isFinalStatus(status: number): boolean {
  return status === TaskStatus.SUCCEEDED || status === TaskStatus.FAILED || status === TaskStatus.CANCELLED;
}

/** Step codes of call 4 (spec §3 "Steps"). */
export const Step = {
  DOWNLOAD_COMPLETE: 100,
  DOWNLOAD_OK: 101,
  DL_NO_STORAGE: 102,
  DL_OUT_OF_MEMORY: 103,
  DL_TIMEOUT: 104,
  DL_LOW_BATTERY: 105,
  DL_WEAK_SIGNAL: 106,
  DL_UNKNOWN: 107,
  UPGRADE_OK: 201,
  UP_LOW_BATTERY: 202,
  UP_OUT_OF_MEMORY: 203,
  UP_VERSION_MISMATCH: 204,
  UP_MD5_FAILED: 205,
  UP_UNKNOWN: 206,
  UP_RETRIES_EXHAUSTED: 207,
} as const;

/** The upgrade-failure steps a device reports when its install fails (202, 203, 204, 206). */
export const INSTALL_FAILURE_STEPS = [
  Step.UP_LOW_BATTERY,
  Step.UP_OUT_OF_MEMORY,
  Step.UP_VERSION_MISMATCH,
  Step.UP_UNKNOWN,
] as const;

/** Meaning of each non-progress step. */
export const STEP_TEXT: Readonly<Record<number, string>> = {
  100: 'download complete',
  101: 'download succeeded',
  102: 'download failed: no storage',
  103: 'download failed: out of memory',
  104: 'download failed: request timeout',
  105: 'download failed: low battery',
  106: 'download failed: weak signal',
  107: 'download failed: unknown',
  201: 'upgrade succeeded',
  202: 'upgrade failed: low battery',
  203: 'upgrade failed: out of memory',
  204: 'upgrade failed: version mismatch',
  205: 'upgrade failed: md5 check failed',
  206: 'upgrade failed: unknown',
  207: 'upgrade failed: retries exhausted',
};

/** What kind of step a number is; `invalid` for numbers the protocol does not define. */
export type StepKind =
  | 'progress'
  | 'download-ok'
  | 'download-failed'
  | 'upgrade-ok'
  | 'upgrade-failed'
  | 'invalid';

/** Classifies a step number (spec §3): 0–99 progress, 100/101 download ok, 102–107, 201, 202–207. */
export function classifyStep(step: number): StepKind {
  if (!Number.isInteger(step)) return 'invalid';
  if (step >= 0 && step < 100) return 'progress';
  if (step === 100 || step === 101) return 'download-ok';
  if (step >= 102 && step <= 107) return 'download-failed';
  if (step === 201) return 'upgrade-ok';
  if (step >= 202 && step <= 207) return 'upgrade-failed';
  return 'invalid';
}

/** `Ota-Errno` values of a download reply (spec §3 "Download"). */
export const OtaErrno = {
  OK: 0,
  DEVICE_NOT_FOUND: 1,
  FILE_NOT_FOUND: 2,
  NO_STORAGE_RESOURCE: 3,
  SIZE_MISMATCH: 4,
  TASK_CANCELLED_OR_EXPIRED: 5,
  AUTH_FAILED: 6,
} as const;

/** Module type of a check request: 1 FOTA (module firmware, `f_version`), 2 SOTA (MCU software, `s_version`). */
export const ModuleType = { FOTA: 1, SOTA: 2 } as const;
export type ModuleTypeValue = (typeof ModuleType)[keyof typeof ModuleType];

/** The version field a module type reads and writes. */
export function versionField(type: ModuleTypeValue): 'f_version' | 's_version' {
  return type === ModuleType.FOTA ? 'f_version' : 's_version';
}

/** Package type in a check reply: 1 full, 2 differential. */
export const PackageType = { FULL: 1, DIFF: 2 } as const;
export type PackageTypeValue = (typeof PackageType)[keyof typeof PackageType];

/** Header names, in the canonical case the official C SDK matches case-sensitively. */
export const Header = {
  OTA_ERRNO: 'Ota-Errno',
  CONTENT_RANGE_START: 'Content-Range-Start',
  CONTENT_RANGE_END: 'Content-Range-End',
  CONTENT_RANGE: 'Content-Range',
  CONTENT_DISPOSITION: 'Content-Disposition',
  CONTENT_TYPE: 'Content-Type',
  CONTENT_LENGTH: 'Content-Length',
  AUTHORIZATION: 'Authorization',
} as const;

/** Content type of every JSON reply. */
export const JSON_CONTENT_TYPE = 'application/json;charset=UTF-8';

/** Largest package the platform accepts, in bytes (30 MB). */
export const MAX_PACKAGE_BYTES = 30 * 1024 * 1024;
