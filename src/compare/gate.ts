/**
 * The CI gate of one run, for `ota-fleet run`: the scenario's thresholds parsed once, evaluated into
 * the summary (with the abortOnFail cause, if any), and the run judged as passed, threshold-failed or
 * regressed. Pure; the CLI maps the gate to exit codes.
 */
import { OtaFleetError } from '../error-codes.ts';
import type { RunSummary } from '../metrics/run-summary.ts';
import { parseThresholds, type Threshold } from '../metrics/threshold-spec.ts';
import { type AbortCause, abortNote, markAborting } from './abort.ts';
import { evaluateThresholds } from './evaluate.ts';

/** The thresholds of a validated scenario; throws ERR_SCENARIO_INVALID if one does not parse. */
export function scenarioThresholds(
  spec: Readonly<Record<string, readonly string[]>> | undefined,
): Threshold[] {
  const { thresholds, problems } = parseThresholds(spec ?? {});
  if (problems.length > 0) {
    const lines = problems.map(
      (p) => `  thresholds.${p.metric}${p.index === undefined ? '' : `[${p.index}]`}: ${p.message}`,
    );
    throw new OtaFleetError('ERR_SCENARIO_INVALID', `invalid thresholds:\n${lines.join('\n')}`);
  }
  return thresholds;
}

/** Evaluates the thresholds into `summary.thresholds` (mutated) and notes the abort cause, if any. */
export function applyThresholds(
  summary: RunSummary,
  thresholds: readonly Threshold[],
  cause?: AbortCause,
): void {
  if (thresholds.length === 0) return;
  const results = evaluateThresholds(thresholds, summary);
  if (cause !== undefined) {
    markAborting(results, cause);
    summary.notes.push(abortNote(cause));
  }
  summary.thresholds = results;
}

/** How a run fares as a CI gate. */
export interface GateResult {
  thresholdsFailed: boolean;
  regressed: boolean;
}

/** Judges a summary: a failed threshold (or a threshold abort) and a regression against its baseline. */
export function judgeGate(summary: RunSummary): GateResult {
  return {
    thresholdsFailed:
      (summary.thresholds ?? []).some((t) => !t.ok) || summary.run.partialReason === 'aborted-by-threshold',
    regressed: summary.comparison !== undefined && !summary.comparison.ok,
  };
}
