/**
 * The exit code of a finished run, read from its summary once: interrupted, refused by the target,
 * a regression, a failed threshold, a partial run for another reason. Pure.
 */
import { judgeGate } from '../compare/gate.ts';
import type { RunSummary } from '../report/summary.ts';
import { verdictOf } from '../report/verdict.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';

/** True when the run's verdict is refused: requests were sent and none succeeded (exit 4). */
export function isRefused(summary: RunSummary): boolean {
  return verdictOf(summary).status === 'refused';
}

/** One sentence on a refused run for stderr: the verdict's cause, in words. */
export function refusedMessage(summary: RunSummary): string {
  return `the target refused the fleet: ${verdictOf(summary).cause ?? 'no device call succeeded'}`;
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
