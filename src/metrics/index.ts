/** Public surface of the metrics leaf, for the engine (workers and main thread) and the report. */
export type { Aggregator, AggregatorOptions, LiveStats } from './aggregator.ts';
export { createAggregator, LIVE_WINDOW_SECONDS } from './aggregator.ts';
export type { Histogram, InitMetricsOptions } from './hdr.ts';
export { initMetrics, metricsUseWasm } from './hdr.ts';
export type { MetricKey } from './keys.ts';
export { metricKey, metricNameOf, parseMetricKey } from './keys.ts';
export type { Recorder, RecorderOptions } from './recorder.ts';
export { createNullRecorder, createRecorder } from './recorder.ts';
export * from './registry.ts';
export { convergenceOf, timeToFraction } from './rollout.ts';
export type * from './run-summary.ts';
export { SCHEMA_VERSION } from './run-summary.ts';
export type { LatencyStats, MetricsSnapshot } from './snapshot.ts';
export {
  decodeHistogram,
  emptyLatencyStats,
  mergeEncodedHistograms,
  mergeSnapshots,
  summarizeHistogram,
} from './snapshot.ts';
export type { CallPoint, TimePoint } from './timeseries.ts';
