/**
 * `ota-fleet report DIR|summary.json [--out DIR] [--format text|md|html|all]`: re-renders a report
 * from its summary.json; `ota-fleet report merge A B.. --out DIR` merges the reports of several runs
 * (shards, machines, processes) into one. Thin: the work is `runReport` / `runReportMerge`.
 */
import { readdir, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { OtaFleetError } from '../error-codes.ts';
import { mergeSummaries } from '../report/merge.ts';
import { renderText } from '../report/render-text.ts';
import type { RunSummary } from '../report/summary.ts';
import { judgeRun } from '../report/verdict.ts';
import {
  loadSummary,
  REPORT_FILES,
  type ReportFormat,
  resolveSummaryPath,
  type WrittenReport,
  writeRenderings,
  writeReport,
} from '../report/write.ts';
import { parseDuration } from '../scenario/units.ts';

/** Formats accepted by --format. */
export const REPORT_FORMATS = ['text', 'md', 'html', 'all'] as const;

/** Flags of `ota-fleet report`. */
export interface ReportArgs {
  input: string;
  out?: string;
  format: (typeof REPORT_FORMATS)[number];
}

/** What `runReport` did: files written by format, and the text rendering for stdout. */
export interface ReportResult {
  dir: string;
  files: Partial<Record<ReportFormat | 'summary', string>>;
  text?: string;
}

/**
 * Loads and validates the summary at `input` and writes the chosen renderings into `out` (default:
 * the summary's directory); a summary.json copy is written when `out` is elsewhere. Throws
 * OtaFleetError('ERR_USAGE') for a missing or invalid summary or a bad format.
 */
export async function runReport(args: ReportArgs): Promise<ReportResult> {
  if (!(REPORT_FORMATS as readonly string[]).includes(args.format)) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `--format must be one of ${REPORT_FORMATS.join(', ')} (got ${args.format})`,
    );
  }
  const summaryPath = await resolveSummaryPath(args.input);
  const summary = await loadSummary(summaryPath);
  const dir = resolve(args.out ?? dirname(summaryPath));
  const formats: ReportFormat[] = args.format === 'all' ? ['text', 'md', 'html'] : [args.format];
  const files: ReportResult['files'] = await writeRenderings(summary, dir, formats);
  const copy = join(dir, REPORT_FILES.summary);
  if (copy !== summaryPath) {
    await writeFile(copy, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
    files.summary = copy;
  }
  const result: ReportResult = { dir, files };
  if (formats.includes('text')) result.text = renderText(summary);
  return result;
}

/** Flags of `ota-fleet report merge`. */
export interface ReportMergeArgs {
  inputs: string[];
  out: string;
  force?: boolean;
  targeted?: number;
  /** Wait until this many inputs hold a summary (inputs may be `dir/shard-*` patterns). */
  wait?: number;
  /** Bound of --wait, e.g. `10m` (default 10m). */
  timeout?: string;
}

/** Whether `path` holds a readable summary (a summary.json, or a report directory holding one). */
async function hasSummary(path: string): Promise<boolean> {
  try {
    await loadSummary(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * The paths an input names: itself, or, when its last segment has a `*`, the entries of its folder
 * that match (sorted). Patterns are expanded here, not by a shell, so that `--wait` sees shards that
 * appear later.
 */
export async function expandInput(input: string): Promise<string[]> {
  const name = basename(input);
  if (!name.includes('*')) return [input];
  const dir = dirname(input);
  const re = new RegExp(
    `^${name
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  const entries = await readdir(dir).catch(() => [] as string[]);
  return entries
    .filter((e) => re.test(e))
    .sort()
    .map((e) => join(dir, e));
}

/**
 * Polls the file system (every 500 ms) until the inputs hold `n` summaries, bounded by `timeoutMs`;
 * returns those inputs. Throws OtaFleetError('ERR_USAGE') naming what is missing at the timeout.
 */
export async function waitForSummaries(
  inputs: readonly string[],
  n: number,
  timeoutMs: number,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const paths = (await Promise.all(inputs.map(expandInput))).flat();
    const ready: string[] = [];
    for (const p of paths) if ((await stat(p).catch(() => undefined)) && (await hasSummary(p))) ready.push(p);
    if (ready.length >= n) return ready;
    if (Date.now() >= deadline)
      throw new OtaFleetError(
        'ERR_USAGE',
        `waited ${Math.round(timeoutMs / 1000)} s for ${n} summaries, found ${ready.length}${ready.length > 0 ? ` (${ready.join(', ')})` : ''} in ${inputs.join(' ')}`,
      );
    await new Promise((r) => setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now()))));
  }
}

/** What `runReportMerge` wrote, the merged summary and its text rendering for stdout. */
export interface ReportMergeResult extends WrittenReport {
  summary: RunSummary;
  text: string;
}

/**
 * Loads every input (report directory or summary.json), merges them exactly (`mergeSummaries`) and
 * writes the full report of the merged run into `out`. Throws OtaFleetError('ERR_USAGE') for fewer
 * than two inputs, an unreadable or invalid summary, or inputs that are not parts of one run.
 */
export async function runReportMerge(args: ReportMergeArgs): Promise<ReportMergeResult> {
  if (args.wait !== undefined) {
    if (!Number.isInteger(args.wait) || args.wait < 1)
      throw new OtaFleetError('ERR_USAGE', `--wait must be a positive integer (got ${args.wait})`);
    const timeoutMs = parseDuration(args.timeout ?? '10m');
    if (timeoutMs === undefined)
      throw new OtaFleetError(
        'ERR_USAGE',
        `--timeout must be like 90s or 10m (got ${JSON.stringify(args.timeout)})`,
      );
    args = { ...args, inputs: await waitForSummaries(args.inputs, args.wait, timeoutMs) };
  } else if (args.inputs.some((i) => basename(i).includes('*'))) {
    args = { ...args, inputs: (await Promise.all(args.inputs.map(expandInput))).flat() };
  }
  if (args.inputs.length < 2)
    throw new OtaFleetError(
      'ERR_USAGE',
      `report merge needs at least two reports (got ${args.inputs.length})`,
    );
  if (args.targeted !== undefined && !(Number.isInteger(args.targeted) && args.targeted >= 0))
    throw new OtaFleetError('ERR_USAGE', `--targeted must be a whole number (got ${args.targeted})`);
  const summaries = await Promise.all(args.inputs.map((input) => loadSummary(input)));
  const summary = mergeSummaries(summaries, {
    ...(args.force ? { force: true } : {}),
    ...(args.targeted !== undefined ? { targeted: args.targeted } : {}),
  });
  summary.verdict = judgeRun(summary);
  const written = await writeReport(summary, args.out);
  return { ...written, summary, text: renderText(summary) };
}

const renderCommand: CommandModule<object, ReportArgs> = {
  command: '$0 <input>',
  describe: 'Re-render a report (text, Markdown, HTML) from a report directory or its summary.json',
  builder: (y: Argv) =>
    y
      .positional('input', {
        type: 'string',
        demandOption: true,
        describe: 'A report directory or a summary.json file',
      })
      .option('out', { type: 'string', describe: 'Directory to write into (default: next to summary.json)' })
      .option('format', {
        choices: REPORT_FORMATS,
        default: 'all' as const,
        describe: 'Which rendering(s) to write',
      }) as unknown as Argv<ReportArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportArgs>) => {
    const result = await runReport({ input: argv.input, out: argv.out, format: argv.format });
    if (result.text !== undefined) process.stdout.write(`${result.text}\n`);
    for (const path of Object.values(result.files)) process.stderr.write(`wrote ${path}\n`);
  },
};

const mergeCommand: CommandModule<object, ReportMergeArgs> = {
  command: 'merge <inputs..>',
  describe: 'Merge the reports of several runs (shards, machines, processes) into the report of one run',
  builder: (y: Argv) =>
    y
      .positional('inputs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Report directories or summary.json files, one per run',
      })
      .option('out', { type: 'string', demandOption: true, describe: 'Directory of the merged report' })
      .option('force', {
        type: 'boolean',
        default: false,
        describe: 'Merge even runs of different scenarios, seeds or overlapping shards',
      })
      .option('targeted', {
        type: 'number',
        describe: 'Devices the rollout targeted, when the runs cannot tell (see docs/report.md)',
      })
      .option('wait', {
        type: 'number',
        describe:
          "Wait until N summaries exist (inputs may be quoted 'dir/shard-*' patterns); for a collector",
      })
      .option('timeout', { type: 'string', default: '10m', describe: 'Bound of --wait, e.g. 90s or 30m' })
      .example('$0 report merge reports/a-shard1of2-* reports/a-shard2of2-* --out reports/a-merged', '')
      .example(
        '$0 report merge m1/summary.json m2/summary.json --out merged',
        '',
      ) as unknown as Argv<ReportMergeArgs>,
  handler: async (argv: ArgumentsCamelCase<ReportMergeArgs>) => {
    const result = await runReportMerge({
      inputs: argv.inputs,
      out: argv.out,
      force: argv.force,
      ...(argv.targeted !== undefined ? { targeted: argv.targeted } : {}),
      ...(argv.wait !== undefined ? { wait: argv.wait, timeout: argv.timeout } : {}),
    });
    for (const n of result.summary.notes)
      if (n.startsWith('Merged with --force although ')) process.stderr.write(`warning: ${n}\n`);
    process.stdout.write(`${result.text}\n`);
    for (const path of Object.values(result.files)) process.stderr.write(`wrote ${path}\n`);
  },
};

/** The yargs command module of `ota-fleet report` (re-render) and `ota-fleet report merge`. */
export const reportCommand: CommandModule<object, object> = {
  command: 'report',
  describe: 'Re-render a report from its summary.json, or merge reports of several runs (report merge)',
  builder: (y: Argv) => y.command(mergeCommand).command(renderCommand),
  handler: () => {},
};
