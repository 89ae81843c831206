/** The one shape of a scenario problem (error or warning) and its one-line rendering. */

/** A problem in a scenario file (or a file it names), at a 1-based line and column. */
export interface ScenarioProblem {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the offending value, e.g. `profiles[1].faults.reboot`; empty for the whole file. */
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** The cross-field rule that found it (rules.ts), if any. */
  rule?: string;
}

/** Renders `scenario.yaml:12:9 fleet.count: must be a positive integer (got 0)`, plus ` [rule]` for a rule. */
export function formatProblem(p: ScenarioProblem): string {
  const where = `${p.file}:${p.line}:${p.column}`;
  const what = p.path === '' ? p.message : `${p.path}: ${p.message}`;
  return `${where} ${what}${p.rule ? ` [${p.rule}]` : ''}`;
}

/** Orders problems by file, line and column (stable otherwise), dropping exact repeats. */
export function sortProblems(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = formatProblem(p);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) =>
    a.file === b.file ? a.line - b.line || a.column - b.column : a.file < b.file ? -1 : 1,
  );
}
