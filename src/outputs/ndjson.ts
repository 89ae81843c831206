/**
 * The NDJSON output of a run (`--out ndjson=FILE`, `-` for stdout): one JSON line per second with the
 * merged snapshot (counters and latency percentiles per call so far), then one last line with the
 * summary's totals. Each line is written with one synchronous write, so `tail -f` sees whole lines as
 * they come. docs/outputs.md describes the line format.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RunObserver, RunSnapshot } from '../engine/observer.ts';
import { metricKey, parseMetricKey } from '../metrics/keys.ts';
import { METRIC_CALLS } from '../metrics/registry.ts';
import { emptyLatencyStats, type LatencyStats } from '../metrics/snapshot.ts';
import type { RunSummary } from '../report/summary.ts';
import { callLatencyOf } from './latency.ts';

/** Version of the NDJSON line format; bumped on any incompatible change. */
export const NDJSON_FORMAT_VERSION = 1;

/** One device call in a snapshot line: counts so far, and latency percentiles so far in µs. */
export interface NdjsonCall {
  count: number;
  failed: number;
  latencyUs: LatencyStats;
}

/** A once-a-second line. */
export interface NdjsonSnapshotLine {
  type: 'snapshot';
  v: typeof NDJSON_FORMAT_VERSION;
  /** Epoch ms when the line was written, and whole seconds since second 0 of the run. */
  time: number;
  second: number;
  devicesActive: number;
  requests: number;
  failedRequests: number;
  rps: number;
  bytes: number;
  devices: { upgraded: number; failed: number; cancelled: number; startsDropped: number };
  calls: Record<string, NdjsonCall>;
  errorsByCode: Record<string, number>;
}

/** The last line: the run's summary totals, per-call figures and error table. */
export interface NdjsonSummaryLine {
  type: 'summary';
  v: typeof NDJSON_FORMAT_VERSION;
  time: number;
  run: RunSummary['run'];
  totals: RunSummary['totals'];
  calls: RunSummary['calls'];
  errors: RunSummary['errors'];
}

/** Builds the line of one snapshot (main thread, once a second). */
export function snapshotLine(s: RunSnapshot, nowMs: number): NdjsonSnapshotLine {
  const calls: Record<string, NdjsonCall> = {};
  const errorsByCode: Record<string, number> = {};
  let bytes = 0;
  for (const [key, n] of Object.entries(s.soFar.counters)) {
    if (key === 'ota_download_bytes') bytes += n;
    else if (key.startsWith('errors{')) {
      const code = parseMetricKey(key).tags['code'] ?? 'unknown';
      errorsByCode[code] = (errorsByCode[code] ?? 0) + n;
    }
  }
  const latency = callLatencyOf(s);
  for (const call of METRIC_CALLS) {
    const count = s.soFar.counters[metricKey('ota_requests', { call })] ?? 0;
    if (count === 0) continue;
    calls[call] = {
      count,
      failed: s.soFar.counters[metricKey('ota_requests_failed', { call })] ?? 0,
      latencyUs: latency.get(call) ?? emptyLatencyStats(),
    };
  }
  const l = s.live;
  return {
    type: 'snapshot',
    v: NDJSON_FORMAT_VERSION,
    time: nowMs,
    second: s.second,
    devicesActive: l.devicesActive,
    requests: l.requests,
    failedRequests: l.errors,
    rps: l.rps,
    bytes,
    devices: { upgraded: l.upgraded, failed: l.failed, cancelled: l.cancelled, startsDropped: l.dropped },
    calls,
    errorsByCode,
  };
}

/** Builds the last line from the run's summary. */
export function summaryLine(summary: RunSummary, nowMs: number): NdjsonSummaryLine {
  return {
    type: 'summary',
    v: NDJSON_FORMAT_VERSION,
    time: nowMs,
    run: summary.run,
    totals: summary.totals,
    calls: summary.calls,
    errors: summary.errors,
  };
}

/** An NDJSON output: its observer, and `close` (after the run) to close the file. */
export interface NdjsonOutput {
  observer: RunObserver;
  /** True when the lines go to stdout (the end-of-run table must then go to stderr). */
  toStdout: boolean;
  close(): void;
}

/** Opens `file` (truncated; `-` is stdout) and returns the observer that writes the lines. */
export function openNdjsonOutput(file: string, clock: () => number = Date.now): NdjsonOutput {
  const toStdout = file === '-';
  const fd = toStdout ? 1 : openSync(file, 'w');
  let closed = false;
  const write = (line: object) => {
    if (closed) return;
    writeSync(fd, `${JSON.stringify(line)}\n`);
  };
  return {
    toStdout,
    observer: {
      onSnapshot: (s) => write(snapshotLine(s, clock())),
      onFinish: (summary) => write(summaryLine(summary, clock())),
    },
    close() {
      if (closed) return;
      closed = true;
      if (!toStdout) closeSync(fd);
    },
  };
}
