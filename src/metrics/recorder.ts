/**
 * The per-worker recorder. `recordCall` is the hot path (tens of thousands of calls per second):
 * it indexes preallocated arrays and histograms and builds no string unless an error is counted.
 * Call latencies go into one histogram per call and outcome (`ota_check_duration{outcome=ok|error}`);
 * the aggregator derives the untagged total, so each request costs one HDR record.
 */
import type { OtaCall } from '../ota/routes.ts';
import { type ErrorSample, ErrorSampler } from './error-samples.ts';
import {
  clampMicros,
  createIntervalHistogram,
  encodeHistogram,
  type Histogram,
  metricsUseWasm,
} from './hdr.ts';
import { metricKey } from './keys.ts';
import {
  COUNTER_NAMES,
  type CounterName,
  callDurationMetric,
  GAUGE_NAMES,
  type GaugeName,
  HISTOGRAM_NAMES,
  type HistogramName,
  METRIC_CALLS,
  OUTCOME_TAG,
  type Tags,
} from './registry.ts';
import { emptySnapshot, type MetricsSnapshot } from './snapshot.ts';

export { initMetrics } from './hdr.ts';

/** Records metrics in one worker thread; the engine snapshots it once a second and posts the result. */
export interface Recorder {
  /** Records one device call's latency (µs, from its intended send time); `errorCode` marks a failure. */
  recordCall(call: OtaCall, micros: number, errorCode?: string, tags?: Tags): void;
  /** Records a latency (µs) into a histogram, e.g. ota_download_ttfb or device_upgrade_duration. */
  recordDuration(metric: HistogramName, micros: number): void;
  /** Adds `n` (default 1) to a counter; tags (rare paths only) make it a separate series. */
  count(name: CounterName, n?: number, tags?: Tags): void;
  /**
   * Records a request that the run's stop cut while in flight: `ageMicros` (from its intended send time
   * to the stop) is a lower bound of its latency, kept apart from completed requests.
   */
  recordCut(call: OtaCall, ageMicros: number): void;
  /** Offers one failed request as a sample for its error code (the recorder keeps the first few per code). */
  sampleError(sample: ErrorSample): void;
  /** Sets a gauge to its current value in this worker. */
  gauge(name: GaugeName, value: number): void;
  /** Returns what happened since the previous snapshot (ending at `nowMs`, epoch ms) and resets it. */
  snapshot(nowMs: number): MetricsSnapshot;
  /** Frees the histograms (WASM memory); the recorder must not be used afterwards. */
  close(): void;
}

export type { ErrorSample } from './error-samples.ts';

/** Options of `createRecorder`: the backend (default: WASM when `initMetrics` set it up) and start time. */
export interface RecorderOptions {
  wasm?: boolean;
  startMs?: number;
}

const CALL_INDEX: Readonly<Record<OtaCall, number>> = Object.fromEntries(
  METRIC_CALLS.map((c, i) => [c, i]),
) as Record<OtaCall, number>;

const key = (name: string, tags: Tags) => metricKey(name, tags);
const REQUEST_KEYS = METRIC_CALLS.map((call) => key('ota_requests', { call }));
const FAILED_KEYS = METRIC_CALLS.map((call) => key('ota_requests_failed', { call }));
const OK_KEYS = METRIC_CALLS.map((call) => key(callDurationMetric(call), { [OUTCOME_TAG]: 'ok' }));
const ERROR_KEYS = METRIC_CALLS.map((call) => key(callDurationMetric(call), { [OUTCOME_TAG]: 'error' }));
const CUT_KEYS = METRIC_CALLS.map((call) => key('ota_requests_cut', { call }));
const CUT_AGE_KEYS = METRIC_CALLS.map((call) => key('ota_request_cut_age', { call }));
const COUNTER_INDEX = new Map<string, number>(COUNTER_NAMES.map((n, i) => [n, i]));
const HISTOGRAM_INDEX = new Map<string, number>(HISTOGRAM_NAMES.map((n, i) => [n, i]));

class IntervalRecorder implements Recorder {
  private readonly wasm: boolean;
  private startMs: number;
  private readonly requests = new Float64Array(METRIC_CALLS.length);
  private readonly failed = new Float64Array(METRIC_CALLS.length);
  private readonly okHist: Histogram[];
  private readonly errHist: Histogram[];
  private readonly durations: (Histogram | undefined)[] = HISTOGRAM_NAMES.map(() => undefined);
  private readonly plain = new Float64Array(COUNTER_NAMES.length);
  private readonly tagged = new Map<string, number>();
  /** errors{call,code} keys without extra tags, by call index then code: the common error path. */
  private readonly errorKeys: Map<string, string>[] = METRIC_CALLS.map(() => new Map());
  private readonly gauges: Record<string, number> = {};
  private readonly cut = new Float64Array(METRIC_CALLS.length);
  private readonly cutHist: (Histogram | undefined)[] = METRIC_CALLS.map(() => undefined);
  private readonly samples = new ErrorSampler();

  constructor(options: RecorderOptions) {
    this.wasm = options.wasm ?? metricsUseWasm();
    this.startMs = options.startMs ?? Date.now();
    this.okHist = METRIC_CALLS.map(() => createIntervalHistogram(this.wasm));
    this.errHist = METRIC_CALLS.map(() => createIntervalHistogram(this.wasm));
  }

  recordCall(call: OtaCall, micros: number, errorCode?: string, tags?: Tags): void {
    const i = CALL_INDEX[call];
    this.requests[i]!++;
    if (errorCode === undefined) {
      this.okHist[i]!.recordValue(clampMicros(micros));
      return;
    }
    this.errHist[i]!.recordValue(clampMicros(micros));
    this.failed[i]!++;
    this.countError(i, errorCode, tags);
  }

  private countError(callIndex: number, code: string, tags: Tags | undefined): void {
    let k: string | undefined;
    if (tags === undefined) {
      const cache = this.errorKeys[callIndex]!;
      k = cache.get(code);
      if (k === undefined) {
        k = metricKey('errors', { code, call: METRIC_CALLS[callIndex]! });
        cache.set(code, k);
      }
    } else {
      k = metricKey('errors', { ...tags, code, call: METRIC_CALLS[callIndex]! });
    }
    this.tagged.set(k, (this.tagged.get(k) ?? 0) + 1);
  }

  recordCut(call: OtaCall, ageMicros: number): void {
    const i = CALL_INDEX[call];
    this.cut[i]!++;
    let hist = this.cutHist[i];
    if (hist === undefined) {
      hist = createIntervalHistogram(this.wasm);
      this.cutHist[i] = hist;
    }
    hist.recordValue(clampMicros(ageMicros));
  }

  sampleError(sample: ErrorSample): void {
    this.samples.offer(sample);
  }

  recordDuration(metric: HistogramName, micros: number): void {
    const i = HISTOGRAM_INDEX.get(metric);
    if (i === undefined) return;
    let hist = this.durations[i];
    if (hist === undefined) {
      hist = createIntervalHistogram(this.wasm);
      this.durations[i] = hist;
    }
    hist.recordValue(clampMicros(micros));
  }

  count(name: CounterName, n = 1, tags?: Tags): void {
    if (tags === undefined) {
      const i = COUNTER_INDEX.get(name);
      if (i !== undefined) this.plain[i]! += n;
      return;
    }
    const k = metricKey(name, tags);
    this.tagged.set(k, (this.tagged.get(k) ?? 0) + n);
  }

  gauge(name: GaugeName, value: number): void {
    this.gauges[name] = value;
  }

  snapshot(nowMs: number): MetricsSnapshot {
    const snap = emptySnapshot(this.startMs, nowMs);
    this.startMs = nowMs;
    for (let i = 0; i < METRIC_CALLS.length; i++) {
      if (this.requests[i]! > 0) snap.counters[REQUEST_KEYS[i]!] = this.requests[i]!;
      if (this.failed[i]! > 0) snap.counters[FAILED_KEYS[i]!] = this.failed[i]!;
      takeHistogram(snap, OK_KEYS[i]!, this.okHist[i]!);
      takeHistogram(snap, ERROR_KEYS[i]!, this.errHist[i]!);
    }
    this.requests.fill(0);
    this.failed.fill(0);
    for (let i = 0; i < METRIC_CALLS.length; i++) {
      if (this.cut[i]! > 0) snap.counters[CUT_KEYS[i]!] = this.cut[i]!;
      const hist = this.cutHist[i];
      if (hist !== undefined) takeHistogram(snap, CUT_AGE_KEYS[i]!, hist);
    }
    this.cut.fill(0);
    const samples = this.samples.take();
    if (samples.length > 0) snap.errorSamples = samples;
    for (let i = 0; i < COUNTER_NAMES.length; i++) {
      if (this.plain[i]! !== 0) snap.counters[COUNTER_NAMES[i]!] = this.plain[i]!;
    }
    this.plain.fill(0);
    for (const [k, v] of this.tagged) snap.counters[k] = (snap.counters[k] ?? 0) + v;
    this.tagged.clear();
    for (let i = 0; i < HISTOGRAM_NAMES.length; i++) {
      const hist = this.durations[i];
      if (hist !== undefined) takeHistogram(snap, HISTOGRAM_NAMES[i]!, hist);
    }
    for (const name of GAUGE_NAMES) {
      const v = this.gauges[name];
      if (v !== undefined) snap.gauges[name] = v;
    }
    return snap;
  }

  close(): void {
    for (const hist of [...this.okHist, ...this.errHist, ...this.durations, ...this.cutHist]) hist?.destroy();
    this.okHist.length = 0;
    this.errHist.length = 0;
    this.durations.fill(undefined);
    this.cutHist.fill(undefined);
  }
}

function takeHistogram(snap: MetricsSnapshot, key: string, hist: Histogram): void {
  if (hist.totalCount === 0) return;
  snap.histograms[key] = encodeHistogram(hist);
  hist.reset();
}

/** Creates the recorder of this worker thread (call `initMetrics` first to get WASM). */
export function createRecorder(options: RecorderOptions = {}): Recorder {
  return new IntervalRecorder(options);
}

/**
 * A recorder that keeps no latencies and no tags (the bench's "measuring off" case): it only counts
 * requests per call, so throughput stays visible while the cost of HDR recording is left out.
 */
export function createNullRecorder(options: { startMs?: number } = {}): Recorder {
  let startMs = options.startMs ?? Date.now();
  const requests = new Map<OtaCall, number>();
  const cut = new Map<OtaCall, number>();
  return {
    recordCall(call) {
      requests.set(call, (requests.get(call) ?? 0) + 1);
    },
    recordDuration() {},
    recordCut(call) {
      cut.set(call, (cut.get(call) ?? 0) + 1);
    },
    sampleError() {},
    count() {},
    gauge() {},
    snapshot(nowMs: number) {
      const snap = emptySnapshot(startMs, nowMs);
      for (const [call, n] of requests) snap.counters[metricKey('ota_requests', { call })] = n;
      for (const [call, n] of cut) snap.counters[metricKey('ota_requests_cut', { call })] = n;
      requests.clear();
      cut.clear();
      startMs = nowMs;
      return snap;
    },
    close() {},
  };
}
