/** Which device calls a summary holds, for renderers and the comparison. */
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
