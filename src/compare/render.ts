/**
 * Renderings of a comparison for `ota-fleet compare`: the side-by-side terminal table and the
 * Markdown for a CI step summary (with this run's thresholds when it had any). Pure.
 */
import type { ComparisonItem, ComparisonSummary, ThresholdResult } from '../metrics/run-summary.ts';
import { formatObserved, formatPercent, formatThresholdObserved } from '../report/format.ts';
import { mdCell, mdCode, STATUS_ICON } from '../report/render-markdown.ts';
import { textTable } from '../report/text-table.ts';

/** What a rendering names besides the comparison itself. */
export interface ComparisonContext {
  scenario: string;
  /** This run as the user gave it (file or folder). */
  current: string;
  /** Thresholds of this run, shown after the comparison. */
  thresholds?: readonly ThresholdResult[];
}

/** `+12.3%`, `-4.0%`, `-` for no change figure. */
export function formatChange(change: number | null): string {
  return change === null ? '-' : `${change >= 0 ? '+' : ''}${formatPercent(change)}`;
}

/** Most regressed checks the headline names. */
const MAX_NAMED = 4;

const statusOf = (i: ComparisonItem) => i.status ?? (i.ok ? 'ok' : 'regressed');

/** One line verdict: `no regression in 14 checks` or `2 of 14 checks regressed (check.p99, rps)`. */
export function comparisonHeadline(c: ComparisonSummary): string {
  const bad = c.items.filter((i) => !i.ok);
  if (bad.length === 0) return `no regression in ${c.items.length} checks`;
  const names = bad.slice(0, MAX_NAMED).map((i) => i.metric);
  if (bad.length > MAX_NAMED) names.push(`${bad.length - MAX_NAMED} more`);
  return `${bad.length} of ${c.items.length} checks regressed (${names.join(', ')})`;
}

function row(i: ComparisonItem): string[] {
  return [
    statusOf(i) === 'ok' ? 'ok' : statusOf(i).toUpperCase(),
    i.metric,
    formatObserved(i.baseline, i.unit),
    formatObserved(i.current, i.unit),
    formatChange(i.change),
    i.message ?? '',
  ];
}

/** The terminal rendering: who is compared, warnings, the side-by-side table and the verdict line. */
export function renderComparisonText(c: ComparisonSummary, ctx: ComparisonContext): string {
  const b = c.baselineRun;
  const out = [
    `ota-fleet compare · scenario ${ctx.scenario}`,
    `  baseline  ${c.baseline}${b?.id ? ` (run ${b.id}, ${b.startedAt}, ota-fleet ${b.toolVersion})` : ''}`,
    `  this run  ${ctx.current}`,
    ...(c.warnings ?? []).map((w) => `  warning: ${w}`),
    '',
    textTable(['STATUS', 'CHECK', 'BASELINE', 'THIS RUN', 'CHANGE', 'NOTE'], c.items.map(row), [
      'l',
      'l',
      'r',
      'r',
      'r',
      'l',
    ]),
    '',
    `VERDICT  ${c.ok ? 'PASSED' : 'REGRESSED'} · ${comparisonHeadline(c)}`,
  ];
  return out.join('\n');
}

function thresholdsSection(thresholds: readonly ThresholdResult[]): string[] {
  if (thresholds.length === 0) return [];
  const failed = thresholds.filter((t) => !t.ok).length;
  return [
    `### Thresholds: ${failed === 0 ? `all ${thresholds.length} passed` : `${failed} of ${thresholds.length} failed`}`,
    '',
    '| | Metric | Threshold | Observed |',
    '|:---|:---|:---|---:|',
    ...thresholds.map(
      (t) =>
        `| ${t.ok ? '✅' : '❌'} | ${mdCode(t.metric)} | ${mdCode(t.expression)} | ${mdCell(formatThresholdObserved(t))} |`,
    ),
    '',
  ];
}

/** GitHub-flavoured Markdown for a job summary (ends with a newline). */
export function renderComparisonMarkdown(c: ComparisonSummary, ctx: ComparisonContext): string {
  const lines = [
    `## ${c.ok ? '✅' : '📉'} ${mdCell(ctx.scenario)}: ${mdCell(comparisonHeadline(c))}`,
    '',
    `Baseline ${mdCode(c.baseline)}${c.baselineRun?.id ? ` (run ${mdCode(c.baselineRun.id)}, ${mdCell(c.baselineRun.startedAt)})` : ''} · this run ${mdCode(ctx.current)}`,
    '',
  ];
  for (const w of c.warnings ?? []) lines.push('> [!WARNING]', `> ${mdCell(w)}`, '');
  lines.push(
    '| | Check | Baseline | This run | Change | Note |',
    '|:---|:---|---:|---:|---:|:---|',
    ...c.items.map(
      (i) =>
        `| ${STATUS_ICON[statusOf(i)]} | ${mdCode(i.metric)} | ${formatObserved(i.baseline, i.unit)} | ${formatObserved(i.current, i.unit)} | ${formatChange(i.change)} | ${mdCell(i.message ?? '')} |`,
    ),
    '',
    ...thresholdsSection(ctx.thresholds ?? []),
  );
  return `${lines.join('\n')}\n`;
}
