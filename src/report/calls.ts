/** Which device calls a summary holds, for renderers and the comparison. */
import { metricNameOf } from '../metrics/keys.ts';
import type { CallSummary, RunSummary } from '../metrics/run-summary.ts';
import { OTA_CALLS, type OtaCall } from '../ota/routes.ts';

/**
 * The calls of a summary that made requests (completed or cut), in protocol order. A call the summary
 * lacks (an older summary, written before that call existed) is left out.
 */
export function activeCalls(summary: RunSummary): Array<[OtaCall, CallSummary]> {
  const out: Array<[OtaCall, CallSummary]> = [];
  for (const call of OTA_CALLS) {
    const s = summary.calls[call];
    if (s !== undefined && (s.count > 0 || (s.cut?.count ?? 0) > 0)) out.push([call, s]);
  }
  return out;
}

/** The MQTT push figures of a run (device side), or undefined when no device used MQTT. */
export interface MqttFigures {
  up: number;
  failed: number;
  dropped: number;
  informs: number;
  duplicates: number;
  /** p99 of inform_to_check, µs (null when no inform was followed by a check). */
  informToCheckP99: number | null;
}

/** Reads the MQTT counters (summed over their tags) and inform_to_check of a summary. */
export function mqttFigures(summary: RunSummary): MqttFigures | undefined {
  const sum = (name: string) =>
    Object.entries(summary.counters).reduce((n, [key, v]) => (metricNameOf(key) === name ? n + v : n), 0);
  const f = {
    up: sum('mqtt_connections_up'),
    failed: sum('mqtt_connections_failed'),
    dropped: sum('mqtt_connections_dropped'),
    informs: sum('mqtt_informs_received'),
    duplicates: sum('mqtt_informs_duplicate'),
  };
  if (f.up + f.failed + f.dropped + f.informs === 0) return undefined;
  const i2c = summary.durations.inform_to_check;
  return { ...f, informToCheckP99: i2c && i2c.count > 0 ? i2c.p99 : null };
}
