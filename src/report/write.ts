/**
 * Report files: write summary.json and its renderings into a directory, read a summary back
 * (validated), and name report directories. Main thread only.
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { OtaFleetError } from '../error-codes.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import { renderText } from './render-text.ts';
import { parseSummary, type RunSummary } from './summary.ts';

/** File names inside a report directory. */
export const REPORT_FILES = {
  summary: 'summary.json',
  markdown: 'report.md',
  html: 'report.html',
  text: 'report.txt',
} as const;

/** A rendering that can be written. */
export type ReportFormat = 'text' | 'md' | 'html';

/** Minimal logger (a pino logger fits). */
export interface ReportLog {
  info(obj: object, msg?: string): void;
}

/** Options of `writeReport`. */
export interface WriteReportOptions {
  log?: ReportLog;
}

/** Paths written by `writeReport`. */
export interface WrittenReport {
  dir: string;
  files: { summary: string; markdown: string; html: string; text: string };
}

/** Renders one format of a summary to its file content. */
export function renderFormat(summary: RunSummary, format: ReportFormat): string {
  switch (format) {
    case 'text':
      return `${renderText(summary)}\n`;
    case 'md':
      return renderMarkdown(summary);
    case 'html':
      return renderHtml(summary);
  }
}

const FILE_OF: Readonly<Record<ReportFormat, string>> = {
  text: REPORT_FILES.text,
  md: REPORT_FILES.markdown,
  html: REPORT_FILES.html,
};

/** Writes the given renderings of `summary` into `dir` (created); returns the paths by format. */
export async function writeRenderings(
  summary: RunSummary,
  dir: string,
  formats: readonly ReportFormat[],
): Promise<Partial<Record<ReportFormat, string>>> {
  await mkdir(dir, { recursive: true });
  const out: Partial<Record<ReportFormat, string>> = {};
  for (const format of formats) {
    const path = join(dir, FILE_OF[format]);
    await writeFile(path, renderFormat(summary, format), 'utf8');
    out[format] = path;
  }
  return out;
}

/** Writes summary.json, report.md, report.html and report.txt into `dir` (created if missing). */
export async function writeReport(
  summary: RunSummary,
  dir: string,
  options: WriteReportOptions = {},
): Promise<WrittenReport> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true });
  const summaryPath = join(abs, REPORT_FILES.summary);
  await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`, 'utf8');
  const r = await writeRenderings(summary, abs, ['md', 'html', 'text']);
  const files = { summary: summaryPath, markdown: r.md!, html: r.html!, text: r.text! };
  options.log?.info({ dir: abs, files }, 'report written');
  return { dir: abs, files };
}

/**
 * The summary.json path for a summary file, a report directory, or a folder of report directories
 * (`run --out DIR` writes DIR/<scenario>-<time>/): then the newest report in it, by its summary's
 * modification time.
 */
export async function resolveSummaryPath(pathToDirOrFile: string): Promise<string> {
  const abs = resolve(pathToDirOrFile);
  const info = await stat(abs).catch(() => undefined);
  if (info === undefined)
    throw new OtaFleetError('ERR_USAGE', `${pathToDirOrFile}: no such file or directory`);
  if (!info.isDirectory()) return abs;
  const direct = join(abs, REPORT_FILES.summary);
  if (await stat(direct).catch(() => undefined)) return direct;
  return (await newestReportIn(abs)) ?? direct;
}

/** The summary.json of the newest report directory directly inside `dir`, if any. */
async function newestReportIn(dir: string): Promise<string | undefined> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let newest: { path: string; mtimeMs: number } | undefined;
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const path = join(dir, e.name, REPORT_FILES.summary);
    const s = await stat(path).catch(() => undefined);
    if (s !== undefined && (newest === undefined || s.mtimeMs > newest.mtimeMs))
      newest = { path, mtimeMs: s.mtimeMs };
  }
  return newest?.path;
}

/** Reads and validates a summary from a report directory or a summary.json path (ERR_USAGE if bad). */
export async function loadSummary(pathToDirOrFile: string): Promise<RunSummary> {
  const path = await resolveSummaryPath(pathToDirOrFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new OtaFleetError('ERR_USAGE', `${path}: cannot read a summary (expected ${REPORT_FILES.summary})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new OtaFleetError('ERR_USAGE', `${path}: not valid JSON (${(err as Error).message})`);
  }
  return parseSummary(json, path);
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** `<scenario>-<YYYYMMDD-HHMMSS>` in UTC (matching summary.json's ISO times); unsafe characters become `_`. */
export function reportDirName(scenarioName: string, date: Date): string {
  const safe = scenarioName.replace(/[^A-Za-z0-9._-]/g, '_') || 'run';
  const d = `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}`;
  const t = `${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
  return `${safe}-${d}-${t}`;
}
