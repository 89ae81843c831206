/**
 * The payloads of the device calls (spec §3), defined once: each as a type, an encoder (used by the
 * server, or by a device for its request bodies) and a parser with the spec's validation rules (used by
 * the other side). Parsers never throw: they return the value or why it is not one.
 */
import {
  Errno,
  MAX_PACKAGE_BYTES,
  ModuleType,
  type ModuleTypeValue,
  PackageType,
  type PackageTypeValue,
  TaskStatus,
} from './codes.ts';
import { isValidVersion } from './rules.ts';

/** The result of parsing a payload: the value, or the errno a server answers and a reason. */
export type PayloadParse<T> = { ok: true; value: T } | { ok: false; errno: number; reason: string };

function bad<T>(errno: number, reason: string): PayloadParse<T> {
  return { ok: false, errno, reason };
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

// --- call 2: check ----------------------------------------------------------------------------

/** The task of a check reply's `data` (spec §3 call 2). `tid` is kept as text whatever its JSON type. */
export interface CheckTask {
  target: string;
  tid: string;
  size: number;
  md5: string;
  /** Task status: 1 pending, 2 downloading or 3 upgrading (check returns only these). */
  status: number;
  type: PackageTypeValue;
}

/** The `data` object of a check reply that offers a task (the server passes it to the envelope). */
export function encodeCheckTask(task: {
  target: string;
  tid: number | string;
  size: number;
  md5: string;
  status: number;
  type: PackageTypeValue;
}): Record<string, unknown> {
  return {
    target: task.target,
    tid: task.tid,
    size: task.size,
    md5: task.md5,
    status: task.status,
    type: task.type,
  };
}

const MD5_RE = /^[0-9a-fA-F]{32}$/;

/**
 * Parses a check reply's `data`: `tid` a string or integer, `target` a valid version, `size` an integer
 * 0..30 MB, `md5` 32 hex (lower-cased), `status` 1–3 (absent: pending), `type` 1 or 2 (absent: full).
 */
export function parseCheckTask(data: unknown): PayloadParse<CheckTask> {
  const d = asObject(data);
  if (!d) return bad(Errno.BAD_BODY, 'check data is not an object');
  const tid =
    typeof d.tid === 'string' && d.tid.length > 0
      ? d.tid
      : typeof d.tid === 'number' && Number.isSafeInteger(d.tid)
        ? String(d.tid)
        : undefined;
  if (tid === undefined) return bad(Errno.BAD_BODY, 'check data has no tid');
  if (!isValidVersion(d.target)) return bad(Errno.BAD_VERSION, 'check target is not a valid version');
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0 || d.size > MAX_PACKAGE_BYTES)
    return bad(Errno.BAD_BODY, 'check size is not a package size');
  if (typeof d.md5 !== 'string' || !MD5_RE.test(d.md5)) return bad(Errno.BAD_BODY, 'check md5 is not 32 hex');
  const status = d.status === undefined ? TaskStatus.PENDING : d.status;
  if (status !== TaskStatus.PENDING && status !== TaskStatus.DOWNLOADING && status !== TaskStatus.UPGRADING)
    return bad(Errno.BAD_BODY, 'check status is not 1, 2 or 3');
  const type = d.type === undefined ? PackageType.FULL : d.type;
  if (type !== PackageType.FULL && type !== PackageType.DIFF)
    return bad(Errno.BAD_BODY, 'check type is not 1 or 2');
  return { ok: true, value: { tid, target: d.target, size: d.size, md5: d.md5.toLowerCase(), status, type } };
}

// --- call 4: report step ------------------------------------------------------------------------

/** The body of a step report (call 4). */
export interface StepBody {
  step: number;
}

/** The JSON text of a step report, `{"step":N}`. */
export function encodeStepBody(step: number): string {
  return `{"step":${step}}`;
}

/** Parses a step report body (already JSON-decoded): `step` must be a number (its range is the task machine's). */
export function parseStepBody(body: unknown): PayloadParse<StepBody> {
  const o = asObject(body);
  if (!o || typeof o.step !== 'number') return bad(Errno.BAD_BODY, 'step body has no numeric step');
  return { ok: true, value: { step: o.step } };
}

// --- call 5: task state -------------------------------------------------------------------------

/** The `data` of a task-state reply: the task's status (1–6). */
export interface TaskState {
  status: number;
}

/** The `data` object of a task-state reply. */
export function encodeTaskState(status: number): Record<string, unknown> {
  return { status };
}

/** Parses a task-state reply's `data`: `status` an integer 1–6. */
export function parseTaskState(data: unknown): PayloadParse<TaskState> {
  const d = asObject(data);
  const status = d?.status;
  if (
    typeof status !== 'number' ||
    !Number.isInteger(status) ||
    status < TaskStatus.PENDING ||
    status > TaskStatus.CANCELLED
  )
    return bad(Errno.BAD_BODY, 'task state has no status 1–6');
  return { ok: true, value: { status } };
}

// --- calls 1 and 6: versions --------------------------------------------------------------------

/** A device's versions: the body of a version report (call 1) and the data of a version query (call 6). */
export interface Versions {
  f_version?: string;
  s_version?: string;
}

/** The version object with only the fields that are set (the data of call 6, the body of call 1). */
export function encodeVersions(v: Versions): Record<string, string> {
  const out: Record<string, string> = {};
  if (v.f_version) out.f_version = v.f_version;
  if (v.s_version) out.s_version = v.s_version;
  return out;
}

/** The JSON text of a version report body. */
export function encodeVersionBody(v: Versions): string {
  return JSON.stringify(encodeVersions(v));
}

/**
 * Parses a version report body (JSON-decoded): at least one of `f_version`/`s_version` (else errno 24),
 * each present one a valid version (else errno 27).
 */
export function parseVersionBody(body: unknown): PayloadParse<Versions> {
  const o = asObject(body);
  if (!o || (o.f_version === undefined && o.s_version === undefined))
    return bad(Errno.BAD_BODY, 'version body has neither f_version nor s_version');
  const out: Versions = {};
  for (const field of ['f_version', 's_version'] as const) {
    const v = o[field];
    if (v === undefined) continue;
    if (!isValidVersion(v)) return bad(Errno.BAD_VERSION, `${field} is not a valid version`);
    out[field] = v;
  }
  return { ok: true, value: out };
}

/** The version a versions object holds for a module (1 → f_version, 2 → s_version). */
export function versionOf(v: Versions, module: ModuleTypeValue): string | undefined {
  return module === ModuleType.FOTA ? v.f_version : v.s_version;
}
