/**
 * `ota-fleet compare BASELINE CURRENT`: compares two runs (summary.json files or report folders),
 * prints the side-by-side table, writes Markdown and JUnit files, and sets exit code 6 on a
 * regression. Also the gate glue of `ota-fleet run` (thresholds, abortOnFail, --baseline).
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { createThresholdAbort, type ThresholdAbort } from '../compare/abort.ts';
import { compareSummaries } from '../compare/compare.ts';
import { applyThresholds, scenarioThresholds } from '../compare/gate.ts';
import { renderJUnit } from '../compare/junit.ts';
import { type ComparePolicy, parsePolicyText, withFlags } from '../compare/policy.ts';
import { renderComparisonMarkdown, renderComparisonText } from '../compare/render.ts';
import { OtaFleetError } from '../error-codes.ts';
import type { ComparisonSummary, RunSummary } from '../report/summary.ts';
import { parseSummary, SCHEMA_VERSION } from '../report/summary.ts';
import { resolveSummaryPath } from '../report/write.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { Command } from './command.ts';
import { ExitCode } from './exit-codes.ts';

/** Policy flags shared by `compare` and `run --baseline`. */
export interface PolicyArgs {
  policy?: string;
  tolerance?: string;
  floorMs?: number;
  /** Compare runs of different scenarios or schema versions, with a warning; default false. */
  force?: boolean;
}

/** Flags of `ota-fleet compare`. */
export interface CompareArgs extends PolicyArgs {
  baseline: string;
  current: string;
  markdown?: string;
  junit?: string;
  quiet: boolean;
}

/** A summary read for comparison, and what was odd about it. */
export interface LoadedSummary {
  summary: RunSummary;
  warnings: string[];
}

/**
 * Reads a summary.json (or a report folder's) for comparison. Another schema version is refused
 * (ERR_USAGE) unless `force`, which reads it leniently: missing figures become "no data".
 */
export async function loadSummaryForCompare(pathToDirOrFile: string, force: boolean): Promise<LoadedSummary> {
  const path = await resolveSummaryPath(pathToDirOrFile);
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new OtaFleetError('ERR_USAGE', `${path}: cannot read a summary (${(err as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== undefined && version !== SCHEMA_VERSION && !force) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `${path}: summary schemaVersion ${JSON.stringify(version)}, but this ota-fleet writes ${SCHEMA_VERSION}; runs of different schema versions are not compared (--force compares the figures both have)`,
    );
  }
  if (version === SCHEMA_VERSION || typeof json !== 'object' || json === null)
    return { summary: parseSummary(json, path), warnings: [] };
  const name = (json as { scenario?: { name?: unknown } }).scenario?.name;
  if (typeof name !== 'string') throw new OtaFleetError('ERR_USAGE', `${path}: not an ota-fleet summary`);
  const warning = `${pathToDirOrFile} has schemaVersion ${JSON.stringify(version)} (this ota-fleet writes ${SCHEMA_VERSION}); compared the figures both have (--force)`;
  return { summary: json as RunSummary, warnings: [warning] };
}

/** The policy of `--policy FILE` (YAML or JSON) with `--tolerance` and `--floor-ms` on top. */
export async function loadPolicy(args: PolicyArgs): Promise<ComparePolicy> {
  let policy: ComparePolicy = { checks: {} };
  if (args.policy !== undefined) {
    let text: string;
    try {
      text = await readFile(args.policy, 'utf8');
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code ?? String(err);
      throw new OtaFleetError('ERR_USAGE', `cannot read policy file ${args.policy} (${why})`);
    }
    policy = parsePolicyText(text, args.policy);
  }
  const flags: { tolerance?: string; floorMs?: number } = {};
  if (args.tolerance !== undefined) flags.tolerance = args.tolerance;
  if (args.floorMs !== undefined) flags.floorMs = args.floorMs;
  return withFlags(policy, flags);
}

async function writeOut(file: string | undefined, text: string): Promise<void> {
  if (file === undefined) return;
  try {
    await writeFile(file, text, 'utf8');
  } catch (err) {
    throw new OtaFleetError('ERR_USAGE', `cannot write ${file} (${(err as Error).message})`);
  }
}

/** Compares CURRENT with BASELINE, prints and writes the result (the command exits 6 on a regression). */
export async function compareCommandHandler(args: CompareArgs): Promise<ComparisonSummary> {
  const policy = await loadPolicy(args);
  const baseline = await loadSummaryForCompare(args.baseline, args.force ?? false);
  const current = await loadSummaryForCompare(args.current, args.force ?? false);
  const comparison = compareSummaries(baseline.summary, current.summary, {
    policy,
    baselineLabel: args.baseline,
    force: args.force ?? false,
  });
  const warnings = [...baseline.warnings, ...current.warnings, ...(comparison.warnings ?? [])];
  if (warnings.length > 0) comparison.warnings = warnings;
  const ctx = {
    scenario: current.summary.scenario.name,
    current: args.current,
    ...(current.summary.thresholds ? { thresholds: current.summary.thresholds } : {}),
  };
  if (!args.quiet) process.stdout.write(`${renderComparisonText(comparison, ctx)}\n`);
  await writeOut(args.markdown, renderComparisonMarkdown(comparison, ctx));
  const junit = { scenario: ctx.scenario, startedAt: current.summary.run.startedAt, comparison };
  await writeOut(args.junit, renderJUnit(ctx.thresholds ? { ...junit, thresholds: ctx.thresholds } : junit));
  return comparison;
}

/** The gate of one `ota-fleet run`: the abort check to hand the engine and what to do with the summary. */
export interface RunGate {
  abort?: ThresholdAbort;
  /** Evaluates thresholds and the baseline comparison into the summary (before the report is written). */
  finish(summary: RunSummary): void;
}

/**
 * Prepares the gate before the run: parses the thresholds, loads the baseline and policy, and refuses
 * a baseline of another scenario now rather than after the run (unless --force).
 */
export async function prepareRunGate(
  scenario: Scenario,
  args: PolicyArgs & { baseline?: string },
): Promise<RunGate> {
  const thresholds = scenarioThresholds(scenario.thresholds);
  if (args.policy !== undefined && args.baseline === undefined)
    throw new OtaFleetError('ERR_USAGE', '--policy applies to a comparison: give --baseline FILE too');
  const policy = await loadPolicy(args);
  const baseline = args.baseline
    ? await loadSummaryForCompare(args.baseline, args.force ?? false)
    : undefined;
  if (baseline && baseline.summary.scenario.name !== scenario.name && !args.force) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `--baseline ${args.baseline} is a run of scenario ${baseline.summary.scenario.name}, not ${scenario.name}; they are not comparable (--force compares anyway)`,
    );
  }
  const onFail = scenario.abortOnFail;
  const abort =
    onFail?.enabled && thresholds.some((t) => t.abortable)
      ? createThresholdAbort(thresholds, { graceMs: onFail.grace })
      : undefined;
  return {
    ...(abort ? { abort } : {}),
    finish(summary) {
      applyThresholds(summary, thresholds, abort?.cause());
      if (baseline === undefined || args.baseline === undefined) return;
      const c = compareSummaries(baseline.summary, summary, {
        policy,
        baselineLabel: args.baseline,
        force: args.force ?? false,
      });
      const warnings = [...baseline.warnings, ...(c.warnings ?? [])];
      if (warnings.length > 0) c.warnings = warnings;
      summary.comparison = c;
      // every rendering shows notes; the comparison tables have no room for warnings
      summary.notes.push(...warnings.map((w) => `comparison: ${w}`));
    },
  };
}

/** Adds the policy flags (`--policy`, `--tolerance`, `--floor-ms`, `--force`) to a command. */
export function withPolicyOptions<T>(y: Argv<T>): Argv<T> {
  return y
    .option('policy', {
      type: 'string',
      describe: 'Comparison policy file (YAML or JSON), see docs/ci-gates.md',
    })
    .option('tolerance', {
      type: 'string',
      describe: 'Relative tolerance of latency, throughput and convergence checks, e.g. 10%',
    })
    .option('floor-ms', {
      type: 'number',
      describe: 'Latency changes up to this many ms are noise (default 1)',
    })
    .option('force', {
      type: 'boolean',
      default: false,
      describe: 'Compare runs of different scenarios or schema versions (with a warning)',
    }) as unknown as Argv<T>;
}

/** The yargs module of `ota-fleet compare`. */
export const compareCommand: Command<CompareArgs> = {
  command: 'compare <baseline> <current>',
  describe: 'Compare a run with a baseline run; exit 6 on a regression',
  builder: (y: Argv) =>
    withPolicyOptions(
      y
        .positional('baseline', { type: 'string', describe: 'Baseline summary.json or report folder' })
        .positional('current', { type: 'string', describe: 'This run: summary.json or report folder' })
        .option('markdown', { type: 'string', describe: 'Write the comparison as Markdown to FILE' })
        .option('junit', { type: 'string', describe: 'Write JUnit XML (one test case per check) to FILE' })
        .option('quiet', { type: 'boolean', default: false, describe: 'Do not print the table' })
        .example(
          '$0 compare reports/baselines/ci-gate reports/ci-gate-20260102-030405 --junit compare.xml',
          'gate a run on the committed baseline',
        ),
    ) as unknown as Argv<CompareArgs>,
  handler: async (argv: ArgumentsCamelCase<CompareArgs>) => {
    const comparison = await compareCommandHandler(argv);
    return comparison.ok ? ExitCode.OK : ExitCode.REGRESSION;
  },
};
