/**
 * The one table of metrics: every name, its kind, unit and meaning. Everything else (recorder,
 * aggregator, reports, thresholds) refers to metrics by these names. Imports only types of ours.
 */
import type { OtaCall } from '../ota/routes.ts';

/** What a metric holds: a latency distribution, a running count, or a last value. */
export type MetricKind = 'histogram' | 'counter' | 'gauge';

/** Unit of a metric's values: `us` is integer microseconds. */
export type MetricUnit = 'us' | 'bytes' | 'count' | 'devices';

/** One row of the registry. `tags` lists the tag keys the metric may carry. */
export interface MetricDef {
  name: string;
  kind: MetricKind;
  unit: MetricUnit;
  description: string;
  tags: readonly string[];
}

/** Every histogram (integer µs, HDR, 1 µs..1 h, 3 significant digits). */
export const HISTOGRAM_NAMES = [
  'ota_report_version_duration',
  'ota_check_duration',
  'ota_task_state_duration',
  'ota_download_ttfb',
  'ota_download_duration',
  'ota_status_duration',
  'ota_query_version_duration',
  'device_upgrade_duration',
  'ota_request_cut_age',
  'mqtt_connect_duration',
  'inform_to_check',
] as const;
/** Name of a histogram metric. */
export type HistogramName = (typeof HISTOGRAM_NAMES)[number];

/** Every counter. */
export const COUNTER_NAMES = [
  'ota_requests',
  'ota_requests_failed',
  'ota_requests_cut',
  'errors',
  'ota_download_bytes',
  'devices_booted',
  'devices_with_task',
  'devices_upgraded',
  'devices_fully_upgraded',
  'devices_failed',
  'devices_cancelled',
  'device_starts_dropped',
  'device_reboots',
  'download_resumes',
  'request_retries',
  'mqtt_connections_up',
  'mqtt_connections_failed',
  'mqtt_connections_dropped',
  'mqtt_informs_received',
  'mqtt_informs_duplicate',
] as const;
/** Name of a counter metric. */
export type CounterName = (typeof COUNTER_NAMES)[number];

/** Every gauge. */
export const GAUGE_NAMES = ['devices_active'] as const;
/** Name of a gauge metric. */
export type GaugeName = (typeof GAUGE_NAMES)[number];

/** Any metric name. */
export type MetricName = HistogramName | CounterName | GaugeName;

/** Tag values attached to a counter (only on rare paths: errors, device outcomes). */
export type Tags = Readonly<Record<string, string | number>>;

/** Lowest and highest recordable latency (µs) and HDR precision; values outside are clamped. */
export const HISTOGRAM_RANGE = { lowest: 1, highest: 3_600_000_000, significantDigits: 3 } as const;

/**
 * Tag carried by call-latency histograms in snapshots and summaries: `outcome=ok` or
 * `outcome=error`. The untagged name is the total over both.
 */
export const OUTCOME_TAG = 'outcome';

const h = (name: HistogramName, description: string, tags: readonly string[] = []): MetricDef => ({
  name,
  kind: 'histogram',
  unit: 'us',
  description,
  tags,
});
const c = (name: CounterName, unit: MetricUnit, description: string, tags: readonly string[] = []) =>
  ({ name, kind: 'counter', unit, description, tags }) satisfies MetricDef;
const g = (name: GaugeName, description: string): MetricDef => ({
  name,
  kind: 'gauge',
  unit: 'devices',
  description,
  tags: [],
});

const OUTCOME = [OUTCOME_TAG];

/** The registry: one definition per metric name. */
export const METRICS: Readonly<Record<MetricName, MetricDef>> = {
  ota_report_version_duration: h('ota_report_version_duration', 'Latency of POST .../version', OUTCOME),
  ota_check_duration: h('ota_check_duration', 'Latency of GET .../check (task check)', OUTCOME),
  ota_task_state_duration: h('ota_task_state_duration', 'Latency of GET .../{tid}/check', OUTCOME),
  ota_download_ttfb: h('ota_download_ttfb', 'Time from sending a download request to its first body byte'),
  ota_download_duration: h('ota_download_duration', 'Latency of a whole download request', OUTCOME),
  ota_status_duration: h('ota_status_duration', 'Latency of POST .../{tid}/status', OUTCOME),
  ota_query_version_duration: h('ota_query_version_duration', 'Latency of GET .../version', OUTCOME),
  device_upgrade_duration: h(
    'device_upgrade_duration',
    'Per device: from the first task seen to the final status 201 acknowledged',
  ),
  ota_request_cut_age: h(
    'ota_request_cut_age',
    'Age at the stop of a request the stop cut in flight (a lower bound of its latency)',
    ['call'],
  ),
  mqtt_connect_duration: h(
    'mqtt_connect_duration',
    'Time from opening a device MQTT connection to the accepted CONNACK',
  ),
  inform_to_check: h(
    'inform_to_check',
    'Push latency: from the receipt of an ota/inform to the reply of the check it started',
  ),
  ota_requests: c('ota_requests', 'count', 'Requests completed (a reply or an error), by call', ['call']),
  ota_requests_cut: c(
    'ota_requests_cut',
    'count',
    'Requests still in flight when the run stopped (not in ota_requests), by call',
    ['call'],
  ),
  ota_requests_failed: c('ota_requests_failed', 'count', 'Requests that ended in an error', ['call']),
  errors: c('errors', 'count', 'Errors by stable code, call and detail', [
    'code',
    'call',
    'errno',
    'ota_errno',
    'status',
    'detail',
  ]),
  ota_download_bytes: c('ota_download_bytes', 'bytes', 'Package bytes received'),
  devices_booted: c('devices_booted', 'devices', 'Virtual devices started'),
  devices_with_task: c('devices_with_task', 'devices', 'Devices that saw an upgrade task'),
  devices_upgraded: c('devices_upgraded', 'devices', 'Module tasks that ended upgraded (once per task)', [
    'profile',
    'from',
  ]),
  devices_fully_upgraded: c(
    'devices_fully_upgraded',
    'devices',
    'Devices whose every targeted module upgraded (once per device)',
  ),
  devices_failed: c('devices_failed', 'devices', 'Module tasks that ended failed (once per task)', [
    'profile',
    'from',
    'step',
  ]),
  devices_cancelled: c('devices_cancelled', 'devices', 'Module tasks that ended cancelled (once per task)', [
    'profile',
    'from',
  ]),
  device_starts_dropped: c(
    'device_starts_dropped',
    'count',
    'Device starts an open (arrival-rate) model could not make',
  ),
  device_reboots: c('device_reboots', 'count', 'Simulated device reboots mid-flow'),
  download_resumes: c('download_resumes', 'count', 'Downloads resumed with a Range request'),
  request_retries: c('request_retries', 'count', 'Requests retried after an error'),
  mqtt_connections_up: c(
    'mqtt_connections_up',
    'count',
    'Device MQTT sessions accepted (CONNACK 0), reconnects included',
  ),
  mqtt_connections_failed: c(
    'mqtt_connections_failed',
    'count',
    'Device MQTT connection attempts that did not come up (refused, failed, timed out), by code',
    ['code'],
  ),
  mqtt_connections_dropped: c('mqtt_connections_dropped', 'count', 'Established device MQTT sessions lost'),
  mqtt_informs_received: c('mqtt_informs_received', 'count', 'ota/inform messages received (new ids)'),
  mqtt_informs_duplicate: c(
    'mqtt_informs_duplicate',
    'count',
    'ota/inform messages whose id the device had already seen (answered, not acted on)',
  ),
  devices_active: g('devices_active', 'Devices currently running a flow'),
};

const CALL_METRIC: Readonly<Record<OtaCall, HistogramName>> = {
  'report-version': 'ota_report_version_duration',
  check: 'ota_check_duration',
  download: 'ota_download_duration',
  'report-status': 'ota_status_duration',
  'task-state': 'ota_task_state_duration',
  'query-version': 'ota_query_version_duration',
};

/**
 * Every device call in protocol order (metrics is a leaf, so this mirrors ota's OTA_CALLS; the
 * Record type above makes the compiler reject a missing or unknown call).
 */
export const METRIC_CALLS: readonly OtaCall[] = Object.keys(CALL_METRIC) as OtaCall[];

/** The latency histogram of a device call (download → ota_download_duration). */
export function callDurationMetric(call: OtaCall): HistogramName {
  return CALL_METRIC[call];
}

/** The device call whose latency a histogram holds, or undefined for other histograms. */
export function callOfMetric(name: string): OtaCall | undefined {
  for (const [call, metric] of Object.entries(CALL_METRIC)) if (metric === name) return call as OtaCall;
  return undefined;
}

/** True when `name` is a registered metric name. */
export function isMetricName(name: string): name is MetricName {
  return Object.hasOwn(METRICS, name);
}
