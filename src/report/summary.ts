/**
 * The run summary (summary.json): its types, schema version, validating parser and verdict.
 * The types are defined in src/metrics/run-summary.ts (metrics builds the summary and is a leaf)
 * and re-exported here for everything downstream.
 */
import { OtaFleetError } from '../error-codes.ts';
import type { RunSummary, RunVerdict } from '../metrics/run-summary.ts';
import { SCHEMA_VERSION } from '../metrics/run-summary.ts';
import { runSummarySchema } from './summary-schema.ts';

export type {
  CallSummary,
  ComparisonItem,
  ComparisonSummary,
  ConvergencePoint,
  DeviceTotals,
  ErrorSample,
  ErrorSummary,
  FreshSummary,
  PartialReason,
  RolloutBatch,
  RolloutCounts,
  RolloutSummary,
  RunInfo,
  RunMeta,
  RunSummary,
  RunVerdict,
  ScenarioInfo,
  TargetInfo,
  ThresholdResult,
  Totals,
  VerdictStatus,
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

/** Outcome of a run as reports headline it (the stored verdict); `partial` is shown alongside any status. */
export type Verdict = RunVerdict;

export { activeCalls } from './calls.ts';
/** The verdict of a summary: the stored one, or one judged now for an older summary (src/report/verdict.ts). */
export { verdictOf as summaryVerdict } from './verdict.ts';
