/**
 * Types of `summary.json` (schema version 1) and of the run facts the engine hands to
 * `Aggregator.finish`. They live here because metrics is a leaf that produces the summary;
 * `src/report/summary.ts` re-exports them next to the validating parser. docs/report.md explains
 * every field.
 */
import type { OtaCall } from '../ota/routes.ts';
import type { ErrorSample } from './error-samples.ts';
import type { LatencyStats } from './snapshot.ts';
import type { TimePoint } from './timeseries.ts';

/** Version of the summary.json shape; bumped on any incompatible change. */
export const SCHEMA_VERSION = 1;

export type { ErrorSample } from './error-samples.ts';

/** Why a run ended early; other strings may appear in newer versions. */
export type PartialReason =
  | 'interrupted'
  | 'aborted-by-threshold'
  | 'target-failed'
  | 'worker-failed'
  | (string & {});

/** Where the run pointed its devices. */
export interface TargetInfo {
  url: string;
  embedded: boolean;
  dialect: 'studio' | 'fuse';
}

/** The scenario that ran, with its full text so a report explains itself. */
export interface ScenarioInfo {
  name: string;
  file: string;
  sha256: string;
  source: string;
}

/** Facts of the run; times are ISO-8601 UTC. */
export interface RunInfo {
  id: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  partial: boolean;
  partialReason?: PartialReason;
  /** Why the run stopped, e.g. `duration`, `settled`, `interrupted` (informational). */
  endReason?: string;
  seed: number;
  target: TargetInfo;
  shard?: { index: number; count: number };
  workers: number;
  devices: number;
}

/** Device-level totals, from the device counters. */
export interface DeviceTotals {
  booted: number;
  withTask: number;
  upgraded: number;
  failed: number;
  cancelled: number;
  startsDropped: number;
  reboots: number;
  /** Devices whose every targeted module upgraded (absent in older summaries). */
  fullyUpgraded?: number;
}

/** Whole-run totals; rates are 0..1, rps and throughput are per second of run duration. */
export interface Totals {
  requests: number;
  failedRequests: number;
  successRate: number;
  errorRate: number;
  bytes: number;
  rps: number;
  throughputBytesPerSec: number;
  retries: number;
  downloadResumes: number;
  devices: DeviceTotals;
  /** Requests still in flight when the run stopped (not in `requests`); absent in older summaries. */
  cutRequests?: number;
}

/** One device call over the whole run; latencies in µs, also split by outcome. */
export interface CallSummary {
  /** Completed requests (a reply or an error). */
  count: number;
  failed: number;
  latency: LatencyStats;
  latencyByOutcome: { ok: LatencyStats; error: LatencyStats };
  /**
   * Requests the run's stop cut in flight (not in `count`), with their age at the stop in µs: a lower
   * bound of their latency. Absent in older summaries.
   */
  cut?: { count: number; age: LatencyStats };
}

/** One row of the error table: a stable code, the call and detail (e.g. `errno 17`, `HTTP 503`). */
export interface ErrorSummary {
  code: string;
  call?: OtaCall;
  detail: string;
  count: number;
}

/** Upgrade outcomes of a group of devices. */
export interface RolloutCounts {
  upgraded: number;
  failed: number;
  cancelled: number;
}

/** One server-side rollout batch, as the engine read it from the server at the end. */
export interface RolloutBatch {
  name: string;
  id: string;
  status: string;
  targeted: number;
  counts: Record<string, number>;
}

/** Cumulative device outcomes at `t` seconds after the start. */
export interface ConvergencePoint {
  t: number;
  upgraded: number;
  failed: number;
  cancelled: number;
}

/**
 * Rollout progress: how fast the targeted tasks converged, and who failed where. `targeted`,
 * `upgraded`, `failed`, `cancelled` and `pending` count module tasks (a device with two targeted
 * modules has two), final outcomes once per task; `devices` counts devices.
 */
export interface RolloutSummary {
  targeted: number;
  upgraded: number;
  failed: number;
  cancelled: number;
  /** Tasks without an outcome: the server's live tasks (`pendingFrom: server`), else targeted − outcomes. */
  pending: number;
  /** Where `pending` comes from (absent in older summaries: targeted − outcomes, clipped at 0). */
  pendingFrom?: 'server' | 'devices';
  /** Device-level figures: devices that saw a task, and those whose every targeted module upgraded. */
  devices?: { withTask: number; upgraded: number };
  /** Outcomes devices reported beyond the targeted tasks (left out of the counts above); absent when none. */
  overcounted?: number;
  upgradedFraction: number;
  /** ms from the run start until that fraction of targeted devices had upgraded; null if never. */
  timeTo: { p50: number | null; p90: number | null; p99: number | null };
  convergence: ConvergencePoint[];
  byStartVersion: Record<string, RolloutCounts>;
  byProfile: Record<string, RolloutCounts>;
  failedBySteps: Record<string, number>;
  batches: RolloutBatch[];
}

/**
 * Unit of a judged value: `ms` (latencies, convergence times), `ratio` (0..1: success rate, upgraded
 * fraction), `count`, or `per_second` (a counter's rate, requests per second).
 */
export type ValueUnit = 'ms' | 'ratio' | 'count' | 'per_second';

/** One evaluated threshold expression (filled by src/compare after the run). */
export interface ThresholdResult {
  /** The metric selector as written in the scenario, e.g. `errors{code:ERR_TRANSPORT_RESET}`. */
  metric: string;
  expression: string;
  /** The measured value in `unit`; null when there was no data (or, for a time-to, never reached). */
  observed: number | null;
  unit?: ValueUnit;
  ok: boolean;
  /** Why `observed` is null: `no data` or `never reached`. */
  detail?: string;
  /** Set on the threshold whose failure stopped the run early (abortOnFail). */
  abortedRun?: boolean;
}

/** How a compared value moved: within tolerance, better, worse beyond it, or missing in this run. */
export type ComparisonStatus = 'ok' | 'improved' | 'regressed' | 'missing';

/** One compared value of a baseline comparison. */
export interface ComparisonItem {
  /** Check id, e.g. `check.p99`, `rps`, `success_rate`, `rollout.time_to_p90`. */
  metric: string;
  /** Values in `unit`; null when absent (for a time-to: never reached). */
  baseline: number | null;
  current: number | null;
  /** Relative change, e.g. 0.12 for +12%; null when the baseline is 0 or a value is missing. */
  change: number | null;
  /** False when regressed or missing. */
  ok: boolean;
  status?: ComparisonStatus;
  unit?: ValueUnit;
  /** Which direction is better. */
  better?: 'lower' | 'higher';
  /** Largest worsening (in `unit`) that still counts as ok: max(floor, tolerance × |baseline|). */
  allowed?: number;
  /** One line for people, e.g. `+183% (allowed +10% / 1ms)`. */
  message?: string;
}

/** Result of comparing this run with a baseline summary (filled by src/compare). */
export interface ComparisonSummary {
  /** The baseline as given (file or report folder). */
  baseline: string;
  /** Identity of the baseline run. */
  baselineRun?: { id: string; startedAt: string; toolVersion: string };
  ok: boolean;
  items: ComparisonItem[];
  /** E.g. the scenario file changed (sha256 differs), a run was partial. */
  warnings?: string[];
}

/**
 * How a run reads at a glance, judged once from the summary (src/report/verdict.ts): `refused` — no
 * device call succeeded; `failed` — a threshold failed; `regressed` — worse than its baseline;
 * `stalled` — a call was sent but never completed; `passed` — thresholds and baseline held;
 * `completed` — nothing to judge against.
 */
export type VerdictStatus = 'refused' | 'failed' | 'regressed' | 'stalled' | 'passed' | 'completed';

/** The stored verdict of a run. */
export interface RunVerdict {
  status: VerdictStatus;
  partial: boolean;
  /** One line per reason, e.g. `2 of 5 thresholds failed`. */
  reasons: string[];
  /** For a refused or stalled run: the cause in words, with what to check. */
  cause?: string;
  /** E.g. a call failing above 5% without a threshold covering it, with its top error codes (absent: none). */
  warnings?: string[];
}

/** The versioned run summary: the source of truth every report is rendered from. */
export interface RunSummary {
  schemaVersion: typeof SCHEMA_VERSION;
  tool: { name: string; version: string };
  scenario: ScenarioInfo;
  run: RunInfo;
  /** The run's verdict, stored once thresholds and baseline were judged; older summaries lack it. */
  verdict?: RunVerdict;
  totals: Totals;
  /** Per device call; a call this version of ota-fleet does not know, or an older summary lacks, is absent. */
  calls: Partial<Record<OtaCall, CallSummary>>;
  /** Other histograms (ota_download_ttfb, device_upgrade_duration, ...) by series key, µs. */
  durations: Record<string, LatencyStats>;
  errors: ErrorSummary[];
  /** The first few failed requests of each error code (absent in older summaries). */
  errorSamples?: ErrorSample[];
  rollout?: RolloutSummary;
  timeseries: TimePoint[];
  counters: Record<string, number>;
  /** Cumulative HDR histograms (compressed base64, µs) by series key; untagged = total of its tags. */
  histograms: Record<string, string>;
  thresholds?: ThresholdResult[];
  comparison?: ComparisonSummary;
  notes: string[];
}

/** A summary built by this version of ota-fleet (`buildSummary`): every call it knows is present. */
export type FreshSummary = RunSummary & { calls: Record<OtaCall, CallSummary> };

/** What the engine knows at the end of a run and passes to `Aggregator.finish`. */
export interface RunMeta {
  /** Default: name and version from ota-fleet's package.json. */
  tool?: { name: string; version: string };
  /** `sha256` defaults to the hash of `source`. */
  scenario: Omit<ScenarioInfo, 'sha256'> & { sha256?: string };
  run: {
    /** Default: a random UUID. */
    id?: string;
    seed: number;
    target: TargetInfo;
    shard?: { index: number; count: number };
    workers: number;
    devices: number;
    /** Start of the run, epoch ms (default: the aggregator's `startedAtMs`). */
    startedAtMs?: number;
    /** End of the run, epoch ms (default: now). */
    endedAtMs?: number;
    endReason?: string;
    /** Accepted here too; the top-level fields win when both are set. */
    partial?: boolean;
    partialReason?: PartialReason;
  };
  partial?: boolean;
  partialReason?: PartialReason;
  /** Present when the scenario has a rollout: devices targeted (from the server) and its batches. */
  /**
   * Present when the scenario has a rollout: tasks targeted (from the server) and its batches;
   * `serverPending: false` when the batches' live counts do not describe this fleet (merged shards
   * whose servers each held the whole fleet): pending is then derived from the devices' outcomes.
   */
  rollout?: { targeted: number; batches?: RolloutBatch[]; serverPending?: boolean };
  thresholds?: ThresholdResult[];
  comparison?: ComparisonSummary;
  notes?: string[];
}
