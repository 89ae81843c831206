/**
 * The one exit-code table (documented in the README). Command handlers return these (or throw an
 * error whose code `exitCodeFor` maps); src/cli/main.ts reads the result once and exits with it.
 */
import type { ErrorCode } from '../error-codes.ts';

export const ExitCode = {
  OK: 0,
  /** A bug, or an error with no more specific code. */
  INTERNAL: 1,
  /** Bad command line. */
  USAGE: 2,
  /** The scenario file is invalid or unreadable. */
  SCENARIO_INVALID: 3,
  /** The target could not be reached, or the embedded server failed to start. */
  TARGET_UNREACHABLE: 4,
  /** The target refused the fleet: requests were sent and none succeeded (same code as unreachable). */
  TARGET_REFUSED: 4,
  /** The run finished but a threshold failed (issue: CI gates). */
  THRESHOLD_FAILED: 5,
  /** A baseline comparison found a regression. */
  REGRESSION: 6,
  /** The run was interrupted (Ctrl-C); a partial report was written. */
  INTERRUPTED: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Maps a stable error code to the process exit code. */
export function exitCodeFor(code: ErrorCode): ExitCodeValue {
  switch (code) {
    case 'ERR_USAGE':
      return ExitCode.USAGE;
    case 'ERR_SCENARIO_INVALID':
    case 'ERR_SCENARIO_NOT_FOUND':
    case 'ERR_FD_LIMIT':
      return ExitCode.SCENARIO_INVALID;
    case 'ERR_TARGET_UNREACHABLE':
    case 'ERR_EMBEDDED_SERVER':
    case 'ERR_TARGET_REFUSED':
      return ExitCode.TARGET_UNREACHABLE;
    default:
      return ExitCode.INTERNAL;
  }
}

/** The table printed by `--help` and in the README. */
export const EXIT_CODE_HELP = [
  '0    success',
  '1    internal error (a bug)',
  '2    bad command line, or compare refusing runs of different scenarios or schema versions',
  '3    invalid or unreadable scenario, or a scenario that cannot fit the open-files limit',
  '4    target unreachable, the embedded server failed, or the target refused the fleet (no device call succeeded)',
  '5    a threshold failed',
  '6    a baseline comparison found a regression',
  '130  interrupted (Ctrl-C); a partial report was written',
].join('\n');
