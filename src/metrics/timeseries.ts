/**
 * Per-second time series on the main thread. A snapshot is assigned to the second that contains
 * the midpoint of its interval, so one-second snapshots of workers with different phases each land
 * in one bucket. A bucket keeps per-call histograms while it is among the last OPEN_SECONDS
 * seconds, then keeps only p50/p90/p99: a 1-hour run holds 3600 small points.
 */
import type { OtaCall } from '../ota/routes.ts';
import { createAccumulator, type Histogram } from './hdr.ts';

/** Latency and counts of one call in one second (latencies in µs). */
export interface CallPoint {
  count: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  /** Added later (schema stays compatible): absent in older summaries. */
  p95?: number;
  max?: number;
}

/**
 * One second of the run: `t` is seconds since the start, the point covers [t, t+1). `errors` is
 * failed requests; `active` is the devices_active gauge (summed over workers) at its end.
 */
export interface TimePoint {
  t: number;
  requests: number;
  errors: number;
  bytes: number;
  upgraded: number;
  failed: number;
  cancelled: number;
  active: number;
  errorsByCode: Record<string, number>;
  calls: Partial<Record<OtaCall, CallPoint>>;
  /** Devices started (devices_booted) and starts an arrival-rate model dropped in this second; absent when 0. */
  started?: number;
  dropped?: number;
  /** Failed requests by HTTP status (`503`) and by platform errno (`errno 10403`), when tagged; absent when none. */
  errorsByStatus?: Record<string, number>;
  errorsByErrno?: Record<string, number>;
}

/** Seconds a bucket keeps its histograms after a newer second appeared (late snapshots, live p99). */
export const OPEN_SECONDS = 5;

/** Longest series kept (one day); later seconds are folded into the last point. */
export const MAX_SECONDS = 86_400;

interface Bucket {
  point: TimePoint;
  hist: Map<OtaCall, Histogram>;
}

/** Per-second buckets; owned by the aggregator (main thread). */
export class TimeSeries {
  private readonly buckets: Bucket[] = [];
  private readonly pool: Histogram[] = [];
  private latest = -1;
  private closedThrough = -1;

  /** The second (bucket index) of an interval of epoch ms relative to the run start. */
  static secondOf(startedAtMs: number, startMs: number, endMs: number): number {
    const t = Math.floor(((startMs + endMs) / 2 - startedAtMs) / 1000);
    return Math.min(Math.max(t, 0), MAX_SECONDS - 1);
  }

  /** The point of second `t`, creating empty points up to it (gaps carry the last active gauge). */
  point(t: number): TimePoint {
    while (this.buckets.length <= t) {
      const prev = this.buckets[this.buckets.length - 1]?.point;
      this.buckets.push({ point: emptyPoint(this.buckets.length, prev?.active ?? 0), hist: new Map() });
    }
    if (t > this.latest) {
      this.latest = t;
      this.close(t - OPEN_SECONDS - 1);
    }
    return this.buckets[t]!.point;
  }

  /** Merges a call's interval histogram into second `t`; ignored once that second is closed. */
  addLatency(t: number, call: OtaCall, histogram: Histogram): void {
    const bucket = this.buckets[t];
    if (bucket === undefined || t <= this.closedThrough) return;
    let acc = bucket.hist.get(call);
    if (acc === undefined) {
      acc = this.pool.pop() ?? createAccumulator();
      bucket.hist.set(call, acc);
    }
    acc.add(histogram);
  }

  /** Merges the open histograms of `call` over the last `seconds` seconds into `into`. */
  recentLatency(call: OtaCall, seconds: number, into: Histogram): void {
    for (let t = Math.max(0, this.latest - seconds + 1); t <= this.latest; t++) {
      const h = this.buckets[t]?.hist.get(call);
      if (h !== undefined) into.add(h);
    }
  }

  /**
   * A copy of the series so far for live views (the dashboard): closed seconds as they are, open
   * ones with percentiles read from their histograms now. Allocates: call about once a second.
   */
  live(): TimePoint[] {
    return this.buckets.map((b, t) => {
      if (t <= this.closedThrough || b.hist.size === 0) return b.point;
      const calls: TimePoint['calls'] = {};
      for (const [call, cp] of Object.entries(b.point.calls) as [OtaCall, CallPoint][]) {
        const copy = { ...cp };
        const h = b.hist.get(call);
        if (h !== undefined && h.totalCount > 0) fillPercentiles(copy, h);
        calls[call] = copy;
      }
      return { ...b.point, calls };
    });
  }

  /** The newest second seen, or -1. */
  get latestSecond(): number {
    return this.latest;
  }

  /** Closes every bucket and returns the dense series from second 0. */
  finish(): TimePoint[] {
    this.close(this.buckets.length - 1);
    return this.buckets.map((b) => b.point);
  }

  /** Computes percentiles of buckets up to `upTo` and returns their histograms to the pool. */
  private close(upTo: number): void {
    for (let t = this.closedThrough + 1; t <= upTo; t++) {
      const bucket = this.buckets[t];
      if (bucket === undefined || bucket.hist.size === 0) continue;
      for (const [call, h] of bucket.hist) {
        const cp = bucket.point.calls[call];
        if (cp !== undefined && h.totalCount > 0) {
          cp.p50 = h.getValueAtPercentile(50);
          fillPercentiles(cp, h);
        }
        h.reset();
        this.pool.push(h);
      }
      bucket.hist.clear();
    }
    this.closedThrough = Math.max(this.closedThrough, upTo);
  }
}

function fillPercentiles(cp: CallPoint, h: Histogram): void {
  cp.p50 = h.getValueAtPercentile(50);
  cp.p90 = h.getValueAtPercentile(90);
  cp.p95 = h.getValueAtPercentile(95);
  cp.p99 = h.getValueAtPercentile(99);
  cp.max = h.maxValue;
}

/** Adds `n` to `record[key]` of an optional record field of `point`, creating it. */
export function addTo(
  point: TimePoint,
  field: 'errorsByStatus' | 'errorsByErrno',
  key: string,
  n: number,
): void {
  const rec = point[field] ?? {};
  rec[key] = (rec[key] ?? 0) + n;
  point[field] = rec;
}

/** A point of second `t` with nothing in it yet (`active` devices carried over). */
export function emptyPoint(t: number, active = 0): TimePoint {
  return {
    t,
    requests: 0,
    errors: 0,
    bytes: 0,
    upgraded: 0,
    failed: 0,
    cancelled: 0,
    active,
    errorsByCode: {},
    calls: {},
  };
}

/** The call entry of a point, created on first use. */
export function callPoint(point: TimePoint, call: OtaCall): CallPoint {
  let cp = point.calls[call];
  if (cp === undefined) {
    cp = { count: 0, errors: 0, p50: 0, p90: 0, p99: 0 };
    point.calls[call] = cp;
  }
  return cp;
}
