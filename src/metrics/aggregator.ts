/**
 * The main-thread aggregator: takes the once-a-second snapshots of every worker, keeps cumulative
 * counters and histograms (per series key, plus the untagged total per metric) and the per-second
 * series, answers the live progress line and builds the run summary at the end.
 */
import type { OtaCall } from '../ota/routes.ts';
import { type ErrorSample, mergeErrorSamples } from './error-samples.ts';
import { buildSummary } from './finish.ts';
import { createAccumulator, decodeHistogram, type Histogram } from './hdr.ts';
import { metricNameOf, parseMetricKey } from './keys.ts';
import { callOfMetric, METRIC_CALLS } from './registry.ts';
import type { FreshSummary, RunMeta } from './run-summary.ts';
import type { MetricsSnapshot } from './snapshot.ts';
import { addTo, callPoint, type TimePoint, TimeSeries } from './timeseries.ts';

/** Numbers for the terminal progress line (counts are cumulative unless named per second). */
export interface LiveStats {
  elapsedSec: number;
  devicesActive: number;
  upgraded: number;
  failed: number;
  cancelled: number;
  dropped: number;
  requests: number;
  /** Requests per second over each worker's latest snapshot (about the last second). */
  rps: number;
  /** p99 of the check call over the last LIVE_WINDOW_SECONDS seconds, in ms; undefined without data. */
  checkP99Ms?: number;
  /** p99 in ms over the last LIVE_WINDOW_SECONDS seconds of every call that has data there, in OTA_CALLS order. */
  callP99Ms: Partial<Record<OtaCall, number>>;
  /** Failed requests so far, and their share of all requests (0..1). */
  errors: number;
  errorRate: number;
  /** The most frequent error code so far and its count, when there was an error. */
  topError?: { code: string; count: number };
}

/** The cumulative metrics so far, by series key (main thread; live references: read, never modify). */
export interface MetricsSoFar {
  startedAtMs: number;
  counters: Readonly<Record<string, number>>;
  histograms: ReadonlyMap<string, Histogram>;
  /** The per-second series so far (live views: the dashboard), when the aggregator keeps one. */
  series?: () => TimePoint[];
}

/** Merges worker snapshots on the main thread; `finish` turns them into the run summary. */
export interface Aggregator {
  /** Adds one worker's interval snapshot; `source` is the worker id. */
  add(snapshot: MetricsSnapshot, source: string): void;
  /** Current numbers for the progress line; `nowMs` (epoch ms) defaults to now. */
  live(nowMs?: number): LiveStats;
  /** The cumulative counters and histograms so far, without copying (thresholds mid-run, abortOnFail). */
  peek(): MetricsSoFar;
  /** Closes the series and builds the summary; call once, after the last snapshots were added. */
  finish(meta: RunMeta): FreshSummary;
}

/** Options of `createAggregator`: the run start, epoch ms (second 0 of the time series). */
export interface AggregatorOptions {
  startedAtMs: number;
}

/** Seconds of per-call latency the live p99 looks back over. */
export const LIVE_WINDOW_SECONDS = 5;

type SimpleKind = 'bytes' | 'upgraded' | 'devFailed' | 'cancelled' | 'dropped' | 'started' | 'other';
type Role =
  | { kind: 'requests' | 'failed'; call: OtaCall | undefined }
  | { kind: 'error'; code: string; status: string | undefined; errno: string | undefined }
  | { kind: SimpleKind };

const SIMPLE_ROLES: Readonly<Record<string, SimpleKind>> = {
  ota_download_bytes: 'bytes',
  devices_upgraded: 'upgraded',
  devices_failed: 'devFailed',
  devices_cancelled: 'cancelled',
  device_starts_dropped: 'dropped',
};

function roleOf(key: string): Role {
  const { name, tags } = parseMetricKey(key);
  if (name === 'ota_requests' || name === 'ota_requests_failed') {
    return {
      kind: name === 'ota_requests' ? 'requests' : 'failed',
      call: tags['call'] as OtaCall | undefined,
    };
  }
  if (name === 'errors')
    return {
      kind: 'error',
      code: tags['code'] ?? 'unknown',
      status: tags['status'],
      errno: tags['ota_errno'] ?? tags['errno'],
    };
  if (name === 'devices_booted') return { kind: 'started' };
  return { kind: SIMPLE_ROLES[name] ?? 'other' };
}

interface SourceState {
  gauges: Record<string, number>;
  rps: number;
  lastEndMs: number;
}

/** Internal state, shared with `buildSummary`. */
export interface AggregatorState {
  startedAtMs: number;
  counters: Record<string, number>;
  histograms: Map<string, Histogram>;
  series: TimeSeries;
  /** The first few failed requests per error code (merged from the workers' snapshots). */
  errorSamples: ErrorSample[];
}

class SnapshotAggregator implements Aggregator {
  private readonly state: AggregatorState;
  private readonly roles = new Map<string, Role>();
  private readonly sources = new Map<string, SourceState>();
  private readonly running = { requests: 0, failed: 0, upgraded: 0, devFailed: 0, cancelled: 0, dropped: 0 };
  private readonly errorsByCode = new Map<string, number>();
  private readonly scratch = createAccumulator();

  constructor(options: AggregatorOptions) {
    this.state = {
      startedAtMs: options.startedAtMs,
      counters: {},
      histograms: new Map(),
      series: new TimeSeries(),
      errorSamples: [],
    };
  }

  add(snapshot: MetricsSnapshot, source: string): void {
    const { series } = this.state;
    const t = TimeSeries.secondOf(this.state.startedAtMs, snapshot.startMs, snapshot.endMs);
    const point = series.point(t);
    const requests = this.addCounters(snapshot.counters, point);
    if (snapshot.errorSamples !== undefined)
      this.state.errorSamples = mergeErrorSamples(this.state.errorSamples, snapshot.errorSamples);
    for (const [key, encoded] of Object.entries(snapshot.histograms)) {
      const h = decodeHistogram(encoded);
      this.accumulate(key, h);
      const name = metricNameOf(key);
      if (name !== key) this.accumulate(name, h);
      const call = callOfMetric(name);
      if (call !== undefined) series.addLatency(t, call, h);
    }
    const span = Math.max(1, snapshot.endMs - snapshot.startMs);
    this.sources.set(source, {
      gauges: { ...snapshot.gauges },
      rps: (requests * 1000) / span,
      lastEndMs: snapshot.endMs,
    });
    point.active = this.gaugeSum('devices_active');
  }

  private addCounters(counters: Record<string, number>, point: TimePoint): number {
    let requests = 0;
    for (const [key, n] of Object.entries(counters)) {
      this.state.counters[key] = (this.state.counters[key] ?? 0) + n;
      let role = this.roles.get(key);
      if (role === undefined) {
        role = roleOf(key);
        this.roles.set(key, role);
      }
      switch (role.kind) {
        case 'requests':
          requests += n;
          point.requests += n;
          this.running.requests += n;
          if (role.call !== undefined) callPoint(point, role.call).count += n;
          break;
        case 'failed':
          point.errors += n;
          this.running.failed += n;
          if (role.call !== undefined) callPoint(point, role.call).errors += n;
          break;
        case 'error':
          point.errorsByCode[role.code] = (point.errorsByCode[role.code] ?? 0) + n;
          this.errorsByCode.set(role.code, (this.errorsByCode.get(role.code) ?? 0) + n);
          if (role.status !== undefined) addTo(point, 'errorsByStatus', role.status, n);
          if (role.errno !== undefined) addTo(point, 'errorsByErrno', role.errno, n);
          break;
        case 'started':
          point.started = (point.started ?? 0) + n;
          break;
        case 'bytes':
          point.bytes += n;
          break;
        case 'upgraded':
          point.upgraded += n;
          this.running.upgraded += n;
          break;
        case 'devFailed':
          point.failed += n;
          this.running.devFailed += n;
          break;
        case 'cancelled':
          point.cancelled += n;
          this.running.cancelled += n;
          break;
        case 'dropped':
          point.dropped = (point.dropped ?? 0) + n;
          this.running.dropped += n;
          break;
        case 'other':
          break;
      }
    }
    return requests;
  }

  private accumulate(key: string, h: Histogram): void {
    let acc = this.state.histograms.get(key);
    if (acc === undefined) {
      acc = createAccumulator();
      this.state.histograms.set(key, acc);
    }
    acc.add(h);
  }

  private gaugeSum(name: string): number {
    let sum = 0;
    for (const s of this.sources.values()) sum += s.gauges[name] ?? 0;
    return sum;
  }

  live(nowMs: number = Date.now()): LiveStats {
    let newest = 0;
    for (const s of this.sources.values()) newest = Math.max(newest, s.lastEndMs);
    let rps = 0;
    for (const s of this.sources.values()) if (s.lastEndMs >= newest - 2500) rps += s.rps;
    const callP99Ms: LiveStats['callP99Ms'] = {};
    for (const call of METRIC_CALLS) {
      this.scratch.reset();
      this.state.series.recentLatency(call, LIVE_WINDOW_SECONDS, this.scratch);
      if (this.scratch.totalCount > 0) callP99Ms[call] = this.scratch.getValueAtPercentile(99) / 1000;
    }
    const r = this.running;
    const live: LiveStats = {
      elapsedSec: Math.max(0, (nowMs - this.state.startedAtMs) / 1000),
      devicesActive: this.gaugeSum('devices_active'),
      upgraded: r.upgraded,
      failed: r.devFailed,
      cancelled: r.cancelled,
      dropped: r.dropped,
      requests: r.requests,
      rps: Math.round(rps),
      callP99Ms,
      errors: r.failed,
      errorRate: r.requests > 0 ? r.failed / r.requests : 0,
    };
    if (callP99Ms.check !== undefined) live.checkP99Ms = callP99Ms.check;
    let top: LiveStats['topError'];
    for (const [code, count] of this.errorsByCode)
      if (top === undefined || count > top.count) top = { code, count };
    if (top !== undefined) live.topError = top;
    return live;
  }

  peek(): MetricsSoFar {
    const { startedAtMs, counters, histograms } = this.state;
    const { series } = this.state;
    return { startedAtMs, counters, histograms, series: () => series.live() };
  }

  finish(meta: RunMeta): FreshSummary {
    return buildSummary(this.state, meta);
  }
}

/** Creates the main-thread aggregator of one run; `startedAtMs` is epoch ms of the run start. */
export function createAggregator(options: AggregatorOptions): Aggregator {
  return new SnapshotAggregator(options);
}
