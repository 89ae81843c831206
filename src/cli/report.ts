/**
 * `ota-fleet report DIR|summary.json [--out DIR] [--format text|md|html|all]`: re-renders a report
 * from its summary.json. Thin: the work is `runReport`, which tests call directly.
 */
import { writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { OtaFleetError } from '../error-codes.ts';
import { renderText } from '../report/render-text.ts';
import {
  loadSummary,
  REPORT_FILES,
  type ReportFormat,
  resolveSummaryPath,
  writeRenderings,
} from '../report/write.ts';

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

/** The yargs command module of `ota-fleet report`. */
export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <input>',
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
