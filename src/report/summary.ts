/**
 * The run summary (summary.json): its types, schema version, validating parser and verdict.
 * The types are defined in src/metrics/run-summary.ts (metrics builds the summary and is a leaf)
 * and re-exported here for everything downstream.
 */
import { OtaFleetError } from '../error-codes.ts';
import type { RunSummary } from '../metrics/run-summary.ts';
import { SCHEMA_VERSION } from '../metrics/run-summary.ts';
import { runSummarySchema } from './summary-schema.ts';

export type {
  CallSummary,
  ComparisonItem,
  ComparisonSummary,
  ConvergencePoint,
  DeviceTotals,
  ErrorSummary,
  PartialReason,
  RolloutBatch,
  RolloutCounts,
  RolloutSummary,
  RunInfo,
  RunMeta,
  RunSummary,
  ScenarioInfo,
  TargetInfo,
  ThresholdResult,
  Totals,
} from '../metrics/run-summary.ts';
export { SCHEMA_VERSION } from '../metrics/run-summary.ts';
export type { LatencyStats } from '../metrics/snapshot.ts';
export type { CallPoint, TimePoint } from '../metrics/timeseries.ts';

/** Most problems listed in one parse error message. */
const MAX_LISTED = 8;

/**
 * Validates untrusted JSON as a RunSummary; `origin` (a file name) prefixes messages. Throws
 * OtaFleetError('ERR_USAGE') naming the schema version or every wrong field.
 */
export function parseSummary(json: unknown, origin = 'summary'): RunSummary {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OtaFleetError('ERR_USAGE', `${origin}: not an ota-fleet summary (expected a JSON object)`);
  }
  const version = (json as { schemaVersion?: unknown }).schemaVersion;
  if (version === undefined) {
    throw new OtaFleetError('ERR_USAGE', `${origin}: not an ota-fleet summary (no schemaVersion field)`);
  }
  if (version !== SCHEMA_VERSION) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `${origin}: summary schemaVersion ${JSON.stringify(version)} is not supported; ` +
        `this ota-fleet reads schemaVersion ${SCHEMA_VERSION}`,
    );
  }
  const result = runSummarySchema.safeParse(json);
  // The schema has no defaults or transforms: return the input itself, so key order and unknown
  // fields survive and a re-rendered report is byte-identical.
  if (result.success) return json as RunSummary;
  const lines = result.error.issues.slice(0, MAX_LISTED).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.map(String).join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  const more = result.error.issues.length - lines.length;
  if (more > 0) lines.push(`  ... and ${more} more`);
  throw new OtaFleetError('ERR_USAGE', `${origin}: invalid ota-fleet summary:\n${lines.join('\n')}`);
}

/** Outcome of a run as reports headline it; `partial` is shown alongside any status. */
export interface Verdict {
  /** `passed`: all thresholds held and no regression; `completed`: nothing to judge against. */
  status: 'passed' | 'failed' | 'regressed' | 'completed';
  partial: boolean;
  /** One line per reason, e.g. `2 of 5 thresholds failed`. */
  reasons: string[];
}

/** Judges a summary from its thresholds, comparison and partial flag (pure; used by every renderer). */
export function summaryVerdict(summary: RunSummary): Verdict {
  const reasons: string[] = [];
  const thresholds = summary.thresholds ?? [];
  const failed = thresholds.filter((t) => !t.ok).length;
  if (thresholds.length > 0) {
    reasons.push(
      failed > 0
        ? `${failed} of ${thresholds.length} thresholds failed`
        : `all ${thresholds.length} thresholds passed`,
    );
  }
  const { comparison } = summary;
  if (comparison !== undefined) {
    const worse = comparison.items.filter((i) => !i.ok).length;
    reasons.push(
      comparison.ok
        ? `no regression against ${comparison.baseline}`
        : `${worse} regressions against ${comparison.baseline}`,
    );
  }
  const { run } = summary;
  if (run.partial) reasons.push(`partial run${run.partialReason ? ` (${run.partialReason})` : ''}`);
  let status: Verdict['status'] = 'completed';
  if (failed > 0) status = 'failed';
  else if (comparison !== undefined && !comparison.ok) status = 'regressed';
  else if (thresholds.length > 0 || comparison !== undefined) status = 'passed';
  return { status, partial: run.partial, reasons };
}
