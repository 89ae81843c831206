/**
 * Options of the reference OTA server and the DECISIONs of the spec it makes configurable.
 * `resolveServerOptions` fills defaults and validates; it never mutates the caller's object.
 */

import { OtaFleetError } from '../error-codes.ts';
import { Errno, MAX_PACKAGE_BYTES, TaskStatus } from '../ota/codes.ts';
import type { Dialect } from '../ota/envelope.ts';
import { type FaultConfig, parseFaultConfig } from './faults.ts';

/** When a pending task becomes downloading (spec §3 DECISION). */
export type DownloadingOn = 'download' | 'progress' | 'either';

/** errno of "no upgrade task" in a check reply: 11 (legacy docs / AIO SDK) or 10 (Studio SDK). */
export type NoTaskErrno = typeof Errno.NO_TASK | typeof Errno.NO_TASK_ALT;

/** How a cancelled task reads back in call 5: 6 (cancelled) or 5 (failed, as the console shows it). */
export type CancelledStatus = typeof TaskStatus.CANCELLED | typeof TaskStatus.FAILED;

/** Log levels the server accepts. */
export type ServerLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Options of `startOtaServer`; every field is optional. */
export interface OtaServerOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** SQLite file; in-memory (`:memory:`) when omitted. */
  dataFile?: string;
  /** Reply dialect; default `studio`. */
  dialect?: Dialect;
  /** errno of "no upgrade task" in a check reply: 11 (default, legacy docs / AIO SDK) or 10 (Studio SDK). */
  noTaskErrno?: NoTaskErrno;
  /** How a cancelled task reads back in call 5: 6 (default) or 5 (as the console shows it). */
  cancelledStatus?: CancelledStatus;
  /** When pending becomes downloading; default `either`. */
  downloadingOn?: DownloadingOn;
  /** Create the demo product, 100 devices and a 256 KiB package when absent; default false. */
  seedDemo?: boolean;
  /** Bytes per second each download of a demo-product device is sent at (0: uncapped); default 0. */
  demoBandwidth?: number;
  /** Reset the demo fleet at start (its batches and tasks removed, devices back to V1.0); default false. */
  resetDemo?: boolean;
  /** Management API token; default: the one stored in the data file, else a new random one. */
  adminToken?: string;
  /** Also require the admin token on loopback (beyond loopback it is always required); default false. */
  requireAdminToken?: boolean;
  /** Fault injection per device call; off by default. */
  faults?: FaultConfig;
  /** Seed of the fault-injection random draws; default random. */
  faultSeed?: number;
  /** pino level for the server's own log (stderr); default `warn`. */
  logLevel?: ServerLogLevel;
  /** How often the scheduler looks for due batch starts, timeouts and retries (ms); default 200. */
  tickMs?: number;
  /** Most verified tokens kept in the cache; default 100 000 (one device-level token per device). */
  tokenCacheSize?: number;
  /** Largest estimated bytes of the verified-token cache; default 32 MiB. */
  tokenCacheBytes?: number;
  /** Largest total bytes of package content kept in memory for downloads; default 256 MiB. */
  contentCacheBytes?: number;
  /** The one other web origin (e.g. `http://localhost:5173`) allowed to call the management API, with CORS headers; default none. */
  corsOrigin?: string;
  /** Port of the embedded MQTT broker (0: any free port); off when absent. */
  mqttPort?: number;
  /** Interface the MQTT broker binds; default `host`. */
  mqttHost?: string;
}

/** Options with every default filled in. */
export interface ResolvedServerOptions {
  host: string;
  port: number;
  dataFile: string;
  dialect: Dialect;
  noTaskErrno: NoTaskErrno;
  cancelledStatus: CancelledStatus;
  downloadingOn: DownloadingOn;
  seedDemo: boolean;
  demoBandwidth: number;
  resetDemo: boolean;
  adminToken: string | undefined;
  faults: FaultConfig;
  faultSeed: number;
  logLevel: ServerLogLevel;
  tickMs: number;
  tokenCacheSize: number;
  tokenCacheBytes: number;
  contentCacheBytes: number;
  /** True when the admin token is required on every management request (non-loopback bind). */
  requireAdminToken: boolean;
  /** True on a loopback bind: the management API accepts only loopback `Host` values. */
  loopbackOnly: boolean;
  /** The origin allowed cross-origin (lower case, no trailing slash), or undefined. */
  corsOrigin: string | undefined;
  /** The MQTT broker's port, or undefined when it is off. */
  mqttPort: number | undefined;
  mqttHost: string;
}

/** Body-size limits, in bytes. */
export const LIMITS = {
  deviceBody: 4 * 1024,
  managementBody: 1024 * 1024,
  uploadBody: 30 * 1024 * 1024 + 64 * 1024,
} as const;

/** The allowed no-task errnos, the default first. */
export const NO_TASK_ERRNOS: readonly NoTaskErrno[] = [Errno.NO_TASK, Errno.NO_TASK_ALT];

/** The allowed read-backs of a cancelled task, the default first. */
export const CANCELLED_STATUSES: readonly CancelledStatus[] = [TaskStatus.CANCELLED, TaskStatus.FAILED];

const LEVELS: readonly ServerLogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** True for an address that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function fail(message: string): never {
  throw new OtaFleetError('ERR_USAGE', `reference server: ${message}`);
}

function parseOrigin(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const origin = value.toLowerCase().replace(/\/$/, '');
  if (!/^https?:\/\/[a-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9a-f:.]+\](:\d{1,5})?$/.test(origin)) {
    fail(
      `corsOrigin must be an origin such as http://localhost:5173 (got ${JSON.stringify(value.slice(0, 80))})`,
    );
  }
  return origin;
}

function oneOf<T>(value: unknown, allowed: readonly T[], name: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    fail(`${name} must be one of ${allowed.join(', ')} (got ${String(value)})`);
  return value as T;
}

function nonNegative(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_PACKAGE_BYTES) {
    fail(`${name} must be a number of bytes per second, 0..${MAX_PACKAGE_BYTES} (got ${String(value)})`);
  }
  return value;
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail(`${name} must be a positive number (got ${String(value)})`);
  }
  return value;
}

/** Fills defaults and checks every option; throws OtaFleetError ERR_USAGE naming the bad one. */
export function resolveServerOptions(options: OtaServerOptions = {}): ResolvedServerOptions {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`port must be 0..65535 (got ${port})`);
  if (options.adminToken !== undefined && !/^[\x21-\x7e]{8,200}$/.test(options.adminToken)) {
    fail('adminToken must be 8-200 printable ASCII characters without spaces');
  }
  const { mqttPort } = options;
  if (mqttPort !== undefined && (!Number.isInteger(mqttPort) || mqttPort < 0 || mqttPort > 65535)) {
    fail(`mqttPort must be 0..65535 (got ${mqttPort})`);
  }
  let faults: FaultConfig = {};
  if (options.faults !== undefined) {
    const parsed = parseFaultConfig(options.faults);
    if (!parsed.ok) fail(`faults: ${parsed.errors.join('; ')}`);
    faults = parsed.config;
  }
  return {
    host,
    port,
    dataFile: options.dataFile ?? ':memory:',
    dialect: oneOf(options.dialect, ['studio', 'fuse'] as const, 'dialect', 'studio'),
    noTaskErrno: oneOf(options.noTaskErrno, NO_TASK_ERRNOS, 'noTaskErrno', Errno.NO_TASK),
    cancelledStatus: oneOf(
      options.cancelledStatus,
      CANCELLED_STATUSES,
      'cancelledStatus',
      TaskStatus.CANCELLED,
    ),
    downloadingOn: oneOf(
      options.downloadingOn,
      ['either', 'download', 'progress'] as const,
      'downloadingOn',
      'either',
    ),
    seedDemo: options.seedDemo ?? false,
    demoBandwidth: nonNegative(options.demoBandwidth, 'demoBandwidth', 0),
    resetDemo: options.resetDemo ?? false,
    adminToken: options.adminToken,
    faults,
    faultSeed: options.faultSeed ?? Math.floor(Math.random() * 2 ** 31),
    logLevel: oneOf(options.logLevel, LEVELS, 'logLevel', 'warn'),
    tickMs: positive(options.tickMs, 'tickMs', 200),
    tokenCacheSize: positive(options.tokenCacheSize, 'tokenCacheSize', 100_000),
    tokenCacheBytes: positive(options.tokenCacheBytes, 'tokenCacheBytes', 32 * 1024 * 1024),
    contentCacheBytes: positive(options.contentCacheBytes, 'contentCacheBytes', 256 * 1024 * 1024),
    requireAdminToken: options.requireAdminToken === true || !isLoopbackHost(host),
    loopbackOnly: isLoopbackHost(host),
    corsOrigin: parseOrigin(options.corsOrigin),
    mqttPort,
    mqttHost: options.mqttHost ?? host,
  };
}
