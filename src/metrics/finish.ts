/**
 * Builds the run summary from the aggregator's cumulative state and the engine's run facts.
 * Every number is read from merged counters and histograms; nothing is averaged over workers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { OtaCall } from '../ota/routes.ts';
import type { AggregatorState } from './aggregator.ts';
import { decodeHistogram, encodeHistogram, type Histogram } from './hdr.ts';
import { asSeries, metricKey, metricNameOf, parseSeries, type Series } from './keys.ts';
import { callDurationMetric, callOfMetric, METRIC_CALLS, OUTCOME_TAG } from './registry.ts';
import { deriveRollout } from './rollout.ts';
import type { CallSummary, ErrorSummary, FreshSummary, RunMeta, Totals } from './run-summary.ts';
import { SCHEMA_VERSION } from './run-summary.ts';
import { emptyLatencyStats, type LatencyStats, summarizeHistogram } from './snapshot.ts';
import { toolInfo } from './tool.ts';

/** Histograms every summary lists under `durations`, recorded or not. */
const ALWAYS_DURATIONS = ['ota_download_ttfb', 'device_upgrade_duration'];

const DETAIL_LABEL: Readonly<Record<string, string>> = {
  errno: 'errno',
  ota_errno: 'Ota-Errno',
  status: 'HTTP',
};

/** Label of a generic `detail` tag value, by error code (`detail=503` of ERR_HTTP_STATUS → `HTTP 503`). */
const DETAIL_BY_CODE: Readonly<Record<string, string>> = {
  ERR_HTTP_STATUS: 'HTTP',
  ERR_OTA_ERRNO: 'errno',
  ERR_OTA_DOWNLOAD_ERRNO: 'Ota-Errno',
};

/**
 * Human detail of an error series' extra tags: `errno=17` → `errno 17`, `ota_errno=5` →
 * `Ota-Errno 5`, `status=503` → `HTTP 503`, `detail=x` → labelled by the code, other tags `k=v`.
 */
export function errorDetail(tags: Readonly<Record<string, string>>): string {
  const parts: string[] = [];
  for (const k of Object.keys(tags).sort()) {
    if (k === 'code' || k === 'call') continue;
    const label = k === 'detail' ? (DETAIL_BY_CODE[tags['code'] ?? ''] ?? '') : DETAIL_LABEL[k];
    if (label === undefined) parts.push(`${k}=${tags[k]}`);
    else parts.push(label === '' ? `${tags[k]}` : `${label} ${tags[k]}`);
  }
  return parts.join(', ');
}

/** The error table: errors{...} counters grouped by code, call and detail, most frequent first. */
export function summarizeErrors(
  counters: Readonly<Record<string, number>> | readonly Series<number>[],
): ErrorSummary[] {
  const rows = new Map<string, ErrorSummary>();
  for (const { name, tags, value: count } of asSeries(counters)) {
    if (name !== 'errors' || count === 0) continue;
    const call = tags['call'] as OtaCall | undefined;
    const row: ErrorSummary = {
      code: tags['code'] ?? 'unknown',
      ...(call !== undefined ? { call } : {}),
      detail: errorDetail(tags),
      count: 0,
    };
    const id = `${row.code}\u0000${row.call ?? ''}\u0000${row.detail}`;
    const existing = rows.get(id) ?? row;
    existing.count += count;
    rows.set(id, existing);
  }
  return [...rows.values()].sort(
    (a, b) =>
      b.count - a.count ||
      a.code.localeCompare(b.code) ||
      (a.call ?? '').localeCompare(b.call ?? '') ||
      a.detail.localeCompare(b.detail),
  );
}

function stats(histograms: ReadonlyMap<string, Histogram>, key: string): LatencyStats {
  const h = histograms.get(key);
  return h === undefined ? emptyLatencyStats() : summarizeHistogram(h);
}

function summarizeCalls(
  counters: Readonly<Record<string, number>>,
  histograms: ReadonlyMap<string, Histogram>,
): Record<OtaCall, CallSummary> {
  const out = {} as Record<OtaCall, CallSummary>;
  for (const call of METRIC_CALLS) {
    const metric = callDurationMetric(call);
    out[call] = {
      count: counters[metricKey('ota_requests', { call })] ?? 0,
      failed: counters[metricKey('ota_requests_failed', { call })] ?? 0,
      latency: stats(histograms, metric),
      latencyByOutcome: {
        ok: stats(histograms, metricKey(metric, { [OUTCOME_TAG]: 'ok' })),
        error: stats(histograms, metricKey(metric, { [OUTCOME_TAG]: 'error' })),
      },
      cut: {
        count: counters[metricKey('ota_requests_cut', { call })] ?? 0,
        age: stats(histograms, metricKey('ota_request_cut_age', { call })),
      },
    };
  }
  return out;
}

function summarizeDurations(histograms: ReadonlyMap<string, Histogram>): Record<string, LatencyStats> {
  const keys = new Set(ALWAYS_DURATIONS);
  for (const key of histograms.keys()) {
    const name = metricNameOf(key);
    // cut ages are shown per call (calls[call].cut), apart from completed requests
    if (callOfMetric(name) === undefined && name !== 'ota_request_cut_age') keys.add(key);
  }
  const out: Record<string, LatencyStats> = {};
  for (const key of [...keys].sort()) out[key] = stats(histograms, key);
  return out;
}

function sumByName(counters: Readonly<Record<string, number>>, name: string): number {
  let sum = 0;
  for (const [key, n] of Object.entries(counters)) if (metricNameOf(key) === name) sum += n;
  return sum;
}

function summarizeTotals(counters: Readonly<Record<string, number>>, durationMs: number): Totals {
  const requests = sumByName(counters, 'ota_requests');
  const failedRequests = sumByName(counters, 'ota_requests_failed');
  const bytes = sumByName(counters, 'ota_download_bytes');
  const seconds = durationMs / 1000;
  const errorRate = requests > 0 ? failedRequests / requests : 0;
  return {
    requests,
    failedRequests,
    successRate: requests > 0 ? 1 - errorRate : 0,
    errorRate,
    bytes,
    rps: seconds > 0 ? requests / seconds : 0,
    throughputBytesPerSec: seconds > 0 ? bytes / seconds : 0,
    retries: sumByName(counters, 'request_retries'),
    downloadResumes: sumByName(counters, 'download_resumes'),
    cutRequests: sumByName(counters, 'ota_requests_cut'),
    devices: {
      booted: sumByName(counters, 'devices_booted'),
      withTask: sumByName(counters, 'devices_with_task'),
      upgraded: sumByName(counters, 'devices_upgraded'),
      failed: sumByName(counters, 'devices_failed'),
      cancelled: sumByName(counters, 'devices_cancelled'),
      startsDropped: sumByName(counters, 'device_starts_dropped'),
      reboots: sumByName(counters, 'device_reboots'),
      fullyUpgraded: sumByName(counters, 'devices_fully_upgraded'),
    },
  };
}

function sortedRecord<T>(entries: Iterable<[string, T]>): Record<string, T> {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Builds the summary (main thread, once at the end of a run); `meta` carries what only the engine knows. */
export function buildSummary(state: AggregatorState, meta: RunMeta): FreshSummary {
  const { run } = meta;
  const startedAtMs = run.startedAtMs ?? state.startedAtMs;
  const endedAtMs = run.endedAtMs ?? Date.now();
  const durationMs = Math.max(0, endedAtMs - startedAtMs);
  const partialReason = meta.partialReason ?? run.partialReason;
  const counters = sortedRecord(Object.entries(state.counters));
  // every series key parsed once, for the consumers that read tags (errors, rollout groups)
  const parsed = parseSeries(counters);
  const timeseries = state.series.finish();
  const totals = summarizeTotals(counters, durationMs);
  // Stats are read from the decoded encodings, so re-rendering from summary.json gives the same numbers.
  const histograms = sortedRecord([...state.histograms].map(([k, h]) => [k, encodeHistogram(h)]));
  const decoded = new Map(Object.entries(histograms).map(([k, e]) => [k, decodeHistogram(e)]));
  const notes = [...(meta.notes ?? [])];
  let rolloutInput = meta.rollout;
  if (rolloutInput === undefined && totals.devices.withTask > 0) {
    rolloutInput = { targeted: totals.devices.withTask };
    notes.push('No rollout target count was given: "targeted" counts the devices that saw a task.');
  }
  if (totals.requests === 0) notes.push('No requests were recorded.');
  const { source } = meta.scenario;
  const summary: FreshSummary = {
    schemaVersion: SCHEMA_VERSION,
    tool: meta.tool ?? toolInfo(),
    scenario: {
      name: meta.scenario.name,
      file: meta.scenario.file,
      sha256: meta.scenario.sha256 ?? createHash('sha256').update(source).digest('hex'),
      source,
    },
    run: {
      id: run.id ?? randomUUID(),
      startedAt: new Date(startedAtMs).toISOString(),
      endedAt: new Date(endedAtMs).toISOString(),
      durationMs,
      partial: meta.partial ?? run.partial ?? partialReason !== undefined,
      ...(partialReason !== undefined ? { partialReason } : {}),
      ...(run.endReason !== undefined ? { endReason: run.endReason } : {}),
      seed: run.seed,
      target: run.target,
      ...(run.shard !== undefined ? { shard: run.shard } : {}),
      workers: run.workers,
      devices: run.devices,
    },
    totals,
    calls: summarizeCalls(counters, decoded),
    durations: summarizeDurations(decoded),
    errors: summarizeErrors(parsed),
    errorSamples: state.errorSamples,
    timeseries,
    counters,
    histograms,
    notes,
  };
  if (rolloutInput !== undefined) {
    summary.rollout = deriveRollout(counters, timeseries, rolloutInput, parsed);
    const over = summary.rollout.overcounted;
    if (over !== undefined)
      notes.push(
        `Devices reported ${over} task outcomes beyond the ${summary.rollout.targeted} targeted tasks; the rollout counts leave them out (each task has one outcome).`,
      );
  }
  if (meta.thresholds !== undefined) summary.thresholds = meta.thresholds;
  if (meta.comparison !== undefined) summary.comparison = meta.comparison;
  return summary;
}
