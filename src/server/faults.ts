/**
 * Fault injection per device call: added latency, error replies, HTTP 5xx, connection resets, stalls,
 * truncated and corrupted downloads. Configured per call or for every call (`*`); a call's own keys
 * override the `*` keys. Draws come from a seeded generator so a fixed request count is reproducible.
 */
import { Errno, MAX_PACKAGE_BYTES, OtaErrno } from '../ota/codes.ts';
import { OTA_CALLS, type OtaCall } from '../ota/routes.ts';
import { mulberry32 } from '../rng.ts';

/** Faults of one call. Rates are probabilities 0..1 drawn per request. */
export interface CallFaults {
  /** Fixed latency added before the reply, ms. */
  latencyMs?: number;
  /** Extra random latency 0..jitterMs, ms. */
  jitterMs?: number;
  /** Share of requests answered with a business error (`errno`; for download the `Ota-Errno`). */
  errorRate?: number;
  /** errno of injected error replies; default 7 (internal error), 3 for download (storage). */
  errno?: number;
  /** Share of requests answered with an HTTP `httpStatus` error. */
  httpErrorRate?: number;
  /** 500 or 503; default 503. */
  httpStatus?: number;
  /** Share of requests whose connection is reset (TCP RST) instead of answered. */
  resetRate?: number;
  /** Share of requests held `stallMs` before being served, or never answered (`'never'`). */
  stallRate?: number;
  /** How long a stalled request is held, ms, or `'never'`; default 'never'. */
  stallMs?: number | 'never';
  /** download only: share of replies cut after `truncateFraction` of the body bytes. */
  truncateRate?: number;
  /** download only: fraction of the body sent before the cut; default 0.5. */
  truncateFraction?: number;
  /** download only: share of replies with `corruptBytes` bytes flipped. */
  corruptRate?: number;
  /** download only: how many bytes are flipped; default 1. */
  corruptBytes?: number;
}

/** Where a fault applies: one device call, or `*` for all six. */
export type FaultTarget = OtaCall | '*';

/** The whole fault configuration. */
export type FaultConfig = Partial<Record<FaultTarget, CallFaults>>;

const TARGETS: readonly string[] = ['*', ...OTA_CALLS];
const RATE_KEYS = ['errorRate', 'httpErrorRate', 'resetRate', 'stallRate', 'truncateRate', 'corruptRate'];
const MS_KEYS = ['latencyMs', 'jitterMs'];
const ALL_KEYS = [
  ...RATE_KEYS,
  ...MS_KEYS,
  'errno',
  'httpStatus',
  'stallMs',
  'truncateFraction',
  'corruptBytes',
];

function checkValue(key: string, v: unknown): string | undefined {
  if (key === 'stallMs' && v === 'never') return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) return 'must be a number';
  if (RATE_KEYS.includes(key) || key === 'truncateFraction') {
    return v >= 0 && v <= 1 ? undefined : 'must be between 0 and 1';
  }
  if (key === 'httpStatus') return v === 500 || v === 503 ? undefined : 'must be 500 or 503';
  if (key === 'errno') return Number.isInteger(v) && v >= 1 && v <= 65_535 ? undefined : 'must be 1..65535';
  if (key === 'corruptBytes') {
    return Number.isInteger(v) && v >= 1 && v <= MAX_PACKAGE_BYTES ? undefined : 'must be 1..31457280';
  }
  return v >= 0 && v <= 600_000 ? undefined : 'must be 0..600000';
}

// A key named in a problem, cut so a huge key is never echoed back.
const short = (text: string): string => (text.length <= 40 ? text : `${text.slice(0, 39)}…`);

/** Result of validating a fault configuration. */
export type FaultParse = { ok: true; config: FaultConfig } | { ok: false; errors: string[] };

/** Validates untrusted fault configuration (unknown calls and keys are errors); never throws. */
export function parseFaultConfig(input: unknown): FaultParse {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, errors: ['must be an object keyed by device call or *'] };
  }
  const errors: string[] = [];
  const config: FaultConfig = {};
  for (const [target, value] of Object.entries(input)) {
    if (!TARGETS.includes(target)) {
      errors.push(`${short(target)}: unknown call (use ${TARGETS.join(', ')})`);
      continue;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      errors.push(`${target}: must be an object`);
      continue;
    }
    const faults: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const problem = ALL_KEYS.includes(key) ? checkValue(key, v) : 'unknown key';
      if (problem) errors.push(`${target}.${short(key)}: ${problem}`);
      else faults[key] = v;
    }
    config[target as FaultTarget] = faults as CallFaults;
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, config };
}

/**
 * Adds one `CALL.KEY=VALUE` flag (e.g. `download.truncateRate=0.2`, `*.latencyMs=50`,
 * `check.stallMs=never`) to a configuration; returns a new object, or an error message.
 */
export function applyFaultFlag(config: FaultConfig, flag: string): FaultConfig | string {
  const m = /^([a-z*-]+)\.([A-Za-z]+)=(.+)$/.exec(flag.trim());
  if (!m) return `--fault ${flag}: expected CALL.KEY=VALUE, e.g. download.truncateRate=0.2`;
  const [, target = '', key = '', text = ''] = m;
  const value: unknown = text === 'never' ? 'never' : Number(text);
  const next = { ...config, [target]: { ...(config[target as FaultTarget] ?? {}), [key]: value } };
  const parsed = parseFaultConfig(next);
  return parsed.ok ? parsed.config : `--fault ${flag}: ${parsed.errors.join('; ')}`;
}

/** What to do to one request. `delayMs` applies first; then at most one action. */
export interface FaultPlan {
  delayMs: number;
  action: 'none' | 'reset' | 'stall' | 'http' | 'errno';
  stallMs: number | 'never';
  httpStatus: number;
  errno: number;
  /** download: fraction of bytes to send before closing, when set. */
  truncateFraction?: number;
  /** download: how many bytes to flip, when set. */
  corruptBytes?: number;
}

/** Counts of injected faults, by kind. */
export type FaultCounts = Record<
  'delayed' | 'reset' | 'stall' | 'http' | 'errno' | 'truncate' | 'corrupt',
  number
>;

/** Draws fault plans per request; `plan()` is cheap (undefined) for a call without faults. */
export interface FaultInjector {
  plan(call: OtaCall): FaultPlan | undefined;
  config(): FaultConfig;
  setConfig(config: FaultConfig): void;
  counts: FaultCounts;
  /** The random source, shared with byte corruption. */
  random: () => number;
}

function merge(config: FaultConfig, call: OtaCall): CallFaults | undefined {
  const all = config['*'];
  const own = config[call];
  if (!all && !own) return undefined;
  return { ...all, ...own };
}

function draw(random: () => number, rate: number | undefined): boolean {
  return rate !== undefined && rate > 0 && random() < rate;
}

function choose(f: CallFaults, call: OtaCall, random: () => number, counts: FaultCounts): FaultPlan {
  const delayMs = (f.latencyMs ?? 0) + (f.jitterMs ? random() * f.jitterMs : 0);
  const plan: FaultPlan = {
    delayMs,
    action: 'none',
    stallMs: f.stallMs ?? 'never',
    httpStatus: f.httpStatus ?? 503,
    errno: f.errno ?? (call === 'download' ? OtaErrno.NO_STORAGE_RESOURCE : Errno.INTERNAL),
  };
  if (delayMs > 0) counts.delayed++;
  if (draw(random, f.resetRate)) plan.action = 'reset';
  else if (draw(random, f.stallRate)) plan.action = 'stall';
  else if (draw(random, f.httpErrorRate)) plan.action = 'http';
  else if (draw(random, f.errorRate)) plan.action = 'errno';
  if (plan.action !== 'none') counts[plan.action]++;
  if (call === 'download' && plan.action === 'none') {
    if (draw(random, f.truncateRate)) plan.truncateFraction = f.truncateFraction ?? 0.5;
    if (draw(random, f.corruptRate)) plan.corruptBytes = f.corruptBytes ?? 1;
  }
  return plan;
}

/** Creates the injector for a validated configuration. */
export function createFaultInjector(initial: FaultConfig, seed: number): FaultInjector {
  let config = initial;
  let merged = new Map<OtaCall, CallFaults | undefined>();
  const rebuild = (): void => {
    merged = new Map(OTA_CALLS.map((c) => [c, merge(config, c)]));
  };
  rebuild();
  const random = mulberry32(seed);
  const counts: FaultCounts = { delayed: 0, reset: 0, stall: 0, http: 0, errno: 0, truncate: 0, corrupt: 0 };
  return {
    counts,
    random,
    config: () => config,
    setConfig(next) {
      config = next;
      rebuild();
    },
    plan(call) {
      const f = merged.get(call);
      return f ? choose(f, call, random, counts) : undefined;
    },
  };
}

/** Flips `n` distinct bytes of a copy of `bytes` at random positions (each XOR 0xff). */
export function corruptBytes(bytes: Buffer, n: number, random: () => number): Buffer {
  const copy = Buffer.from(bytes);
  const flipped = new Set<number>();
  while (flipped.size < Math.min(n, copy.length)) flipped.add(Math.floor(random() * copy.length));
  for (const at of flipped) copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}
