/**
 * The exit code of a finished run, read from its summary once: interrupted, refused by the target,
 * a regression, a failed threshold, a partial run for another reason. Pure.
 */
import { judgeGate } from '../compare/gate.ts';
import type { RunSummary } from '../report/summary.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** Requests sent and requests that succeeded, over every call of the summary. */
export function requestTotals(summary: RunSummary): { sent: number; succeeded: number } {
  let sent = 0;
  let failed = 0;
  for (const c of Object.values(summary.calls)) {
    if (c === undefined) continue;
    sent += c.count;
    failed += c.failed;
  }
  return { sent, succeeded: sent - failed };
}

/** True when requests were sent and none succeeded: the target refused the fleet (exit 4). */
export function isRefused(summary: RunSummary): boolean {
  const { sent, succeeded } = requestTotals(summary);
  return sent > 0 && succeeded === 0;
}

/** One sentence on a refused run for stderr: how many requests failed and with which codes most. */
export function refusedMessage(summary: RunSummary): string {
  const { sent } = requestTotals(summary);
  const top = [...summary.errors]
    .sort((a, b) => b.count - a.count)
    .slice(0, 3)
    .map((e) => `${e.code}${e.detail ? ` (${e.detail})` : ''} ×${e.count}`);
  return `the target refused the fleet: every one of ${sent} requests failed${top.length > 0 ? `; most often ${top.join(', ')}` : ''}`;
}

/**
 * The exit code of a run, the first that applies: 130 interrupted; 4 the target refused the fleet;
 * 6 a regression; 5 a threshold failed (or abortOnFail stopped it); 1 partial for another reason
 * (a worker or process failed); else 0.
 */
export function runExitCode(summary: RunSummary): ExitCodeValue {
  const { partial, partialReason } = summary.run;
  if (partial && partialReason === 'interrupted') return ExitCode.INTERRUPTED;
  if (isRefused(summary)) return ExitCode.TARGET_REFUSED;
  const gate = judgeGate(summary);
  if (gate.regressed) return ExitCode.REGRESSION;
  if (gate.thresholdsFailed) return ExitCode.THRESHOLD_FAILED;
  if (partial) return ExitCode.INTERNAL;
  return ExitCode.OK;
}
