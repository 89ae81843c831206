/**
 * The Markdown report, sized for a CI step summary (GitHub job summary): a headline verdict, one
 * line of key figures, then tables of calls, rollout, errors and thresholds. Run details fold away.
 */

import { activeCalls, mqttFigures } from './calls.ts';
import {
  formatBytes,
  formatCount,
  formatMicros,
  formatMillis,
  formatObserved,
  formatPercent,
  formatRate,
  formatThresholdObserved,
} from './format.ts';
import { runLine } from './render-text.ts';
import type { RolloutCounts, RunSummary } from './summary.ts';
import { verdictOf } from './verdict.ts';

const MAX_ERROR_ROWS = 20;

const ICON = {
  passed: '✅',
  failed: '❌',
  regressed: '📉',
  completed: 'ℹ️',
  refused: '⛔',
  stalled: '⏳',
} as const;
/** Icon of a comparison item's status (also used by compare's Markdown). */
export const STATUS_ICON = { ok: '✅', improved: '✨', regressed: '📉', missing: '❓' } as const;

/** Escapes text for a Markdown table cell (pipes, HTML, line breaks). */
export function mdCell(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

/** Wraps text in a code span that is safe in a table cell (code spans show `<` literally). */
export function mdCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

function table(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: readonly boolean[],
): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : ':---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function headline(summary: RunSummary): string[] {
  const v = verdictOf(summary);
  const what = v.reasons.filter((r) => !r.startsWith('partial')).join(', ') || 'completed (no thresholds)';
  const out = [`## ${ICON[v.status]} ${mdCell(summary.scenario.name)}: ${what}`, ''];
  if (v.cause !== undefined) {
    const label = v.status === 'refused' ? 'Refused run' : 'Stalled run';
    out.push('> [!CAUTION]', `> **${label}**: ${mdCell(v.cause)}`, '');
  }
  if (v.warnings !== undefined && v.warnings.length > 0) {
    out.push('> [!WARNING]', ...v.warnings.map((w) => `> ${mdCell(w)}  `), '');
  }
  if (summary.run.partial) {
    out.push(
      `> [!WARNING]`,
      `> **Partial run** (${mdCell(summary.run.partialReason ?? 'ended early')}): figures cover only the part that ran.`,
      '',
    );
  }
  const t = summary.totals;
  const parts = [
    `**${formatCount(t.requests)}** requests`,
    `**${formatPercent(t.errorRate)}** failed`,
    formatRate(t.rps, ' req/s'),
    `${formatBytes(t.bytes)} downloaded`,
    formatMillis(summary.run.durationMs),
  ];
  const r = summary.rollout;
  if (r !== undefined) {
    const devices =
      r.devices === undefined
        ? ''
        : `, devices upgraded **${formatCount(r.devices.upgraded)}/${formatCount(r.devices.withTask)}**`;
    parts.push(
      `module tasks upgraded **${formatCount(r.upgraded)}/${formatCount(r.targeted)}** (${formatPercent(r.upgradedFraction)})${devices}, p90 ${formatMillis(r.timeTo.p90)}`,
    );
  }
  const m = mqttFigures(summary);
  if (m)
    parts.push(
      `MQTT push: ${formatCount(m.informs)} informs, inform→check p99 ${m.informToCheckP99 !== null ? formatMicros(m.informToCheckP99) : '-'}, ${formatCount(m.dropped)} sessions dropped`,
    );
  out.push(parts.join(' · '), '');
  return out;
}

function callsSection(summary: RunSummary): string[] {
  const rows = activeCalls(summary).map(([c, s]) => {
    const l = s.latency;
    return [
      mdCode(c),
      formatCount(s.count),
      `${formatCount(s.failed)} (${formatPercent(s.count > 0 ? s.failed / s.count : 0)})`,
      formatMicros(l.p50),
      formatMicros(l.p90),
      formatMicros(l.p99),
      formatMicros(l.max),
    ];
  });
  if (rows.length === 0) return ['### Calls', '', 'No requests were made.', ''];
  const header = ['Call', 'Count', 'Failed', 'p50', 'p90', 'p99', 'max'];
  return [
    '### Calls',
    '',
    ...table(header, rows, [false, true, true, true, true, true, true]),
    '',
    ...cutSection(summary),
  ];
}

/** Requests the stop cut in flight: counted apart from the completed ones, with their age so far. */
function cutSection(summary: RunSummary): string[] {
  const rows = activeCalls(summary)
    .filter(([, s]) => (s.cut?.count ?? 0) > 0)
    .map(([c, s]) => [
      mdCode(c),
      formatCount(s.cut!.count),
      formatMicros(s.cut!.age.p50),
      formatMicros(s.cut!.age.p99),
      formatMicros(s.cut!.age.max),
    ]);
  if (rows.length === 0) return [];
  return [
    'Cut by the stop (in flight when the run ended, not in the counts above; their age so far is a lower bound of their latency):',
    '',
    ...table(['Call', 'Cut', 'age p50', 'age p99', 'age max'], rows, [false, true, true, true, true]),
    '',
  ];
}

/** The first failed requests of each error code. */
function samplesSection(summary: RunSummary): string[] {
  const samples = summary.errorSamples ?? [];
  if (samples.length === 0) return [];
  const rows = samples.map((x) => [
    mdCode(x.code),
    mdCode(`${x.method} ${x.path}`),
    x.status === undefined ? '-' : String(x.status),
    x.errno === undefined ? '-' : String(x.errno),
    x.body ? mdCode(x.body) : x.detail ? mdCell(x.detail) : '-',
  ]);
  return [
    '<details><summary>Error samples (first few per code)</summary>',
    '',
    ...table(['Code', 'Request', 'Status', 'errno', 'Body / detail'], rows, [
      false,
      false,
      true,
      true,
      false,
    ]),
    '',
    '</details>',
    '',
  ];
}

function countsRows(byGroup: Record<string, RolloutCounts>): string[][] {
  return Object.entries(byGroup).map(([group, c]) => [
    mdCell(group),
    formatCount(c.upgraded),
    formatCount(c.failed),
    formatCount(c.cancelled),
  ]);
}

function rolloutSection(summary: RunSummary): string[] {
  const r = summary.rollout;
  if (r === undefined) return [];
  const right = [false, true, true, true];
  const out = ['### Rollout', ''];
  const pending = r.pendingFrom === 'server' ? 'Pending (live on the server)' : 'Pending';
  out.push(
    'Module tasks (a device with two targeted modules has two), final outcomes once per task:',
    '',
    ...table(
      ['Targeted', 'Upgraded', 'Failed', 'Cancelled', pending, 'p50', 'p90', 'p99'],
      [
        [
          formatCount(r.targeted),
          `${formatCount(r.upgraded)} (${formatPercent(r.upgradedFraction)})`,
          formatCount(r.failed),
          formatCount(r.cancelled),
          formatCount(r.pending),
          formatMillis(r.timeTo.p50),
          formatMillis(r.timeTo.p90),
          formatMillis(r.timeTo.p99),
        ],
      ],
      [true, true, true, true, true, true, true, true],
    ),
    '',
  );
  if (r.devices !== undefined) {
    out.push(
      `Devices: **${formatCount(r.devices.upgraded)}** of ${formatCount(r.devices.withTask)} with a task upgraded (a device counts once every targeted module upgraded).`,
      '',
    );
  }
  if (Object.keys(r.byStartVersion).length > 1) {
    out.push(
      ...table(['From version', 'Upgraded', 'Failed', 'Cancelled'], countsRows(r.byStartVersion), right),
      '',
    );
  }
  if (Object.keys(r.byProfile).length > 1) {
    out.push(...table(['Profile', 'Upgraded', 'Failed', 'Cancelled'], countsRows(r.byProfile), right), '');
  }
  const steps = Object.entries(r.failedBySteps).map(([step, n]) => [mdCell(step), formatCount(n)]);
  if (steps.length > 0) out.push(...table(['Failed at step', 'Devices'], steps, [false, true]), '');
  return out;
}

function errorsSection(summary: RunSummary): string[] {
  if (summary.errors.length === 0) return [];
  const rows = summary.errors
    .slice(0, MAX_ERROR_ROWS)
    .map((e) => [
      mdCode(e.code),
      e.call ? mdCode(e.call) : '-',
      mdCell(e.detail || '-'),
      formatCount(e.count),
    ]);
  const out = [
    '### Errors',
    '',
    ...table(['Code', 'Call', 'Detail', 'Count'], rows, [false, false, false, true]),
  ];
  const more = summary.errors.length - rows.length;
  if (more > 0) out.push('', `… and ${more} more rows in report.html.`);
  return [...out, ''];
}

function thresholdsSection(summary: RunSummary): string[] {
  const ts = summary.thresholds ?? [];
  if (ts.length === 0) return [];
  const rows = ts.map((t) => [
    t.ok ? '✅' : '❌',
    mdCode(t.metric),
    mdCode(t.expression),
    mdCell(formatThresholdObserved(t)),
  ]);
  return [
    '### Thresholds',
    '',
    ...table(['', 'Metric', 'Threshold', 'Observed'], rows, [false, false, false, true]),
    '',
  ];
}

function comparisonSection(summary: RunSummary): string[] {
  const c = summary.comparison;
  if (c === undefined) return [];
  const rows = c.items.map((i) => [
    STATUS_ICON[i.status ?? (i.ok ? 'ok' : 'regressed')],
    mdCode(i.metric),
    formatObserved(i.baseline, i.unit),
    formatObserved(i.current, i.unit),
    i.change === null ? '-' : `${i.change >= 0 ? '+' : ''}${formatPercent(i.change)}`,
  ]);
  const header = ['', 'Metric', 'Baseline', 'This run', 'Change'];
  return [
    `### Comparison with ${mdCell(c.baseline)}`,
    '',
    ...table(header, rows, [false, false, true, true, true]),
    '',
  ];
}

/** Renders the summary as GitHub-flavoured Markdown (ends with a newline). */
export function renderMarkdown(summary: RunSummary): string {
  const details = [
    '<details><summary>Run details</summary>',
    '',
    `- ${mdCell(runLine(summary))}`,
    `- run ${mdCode(summary.run.id)} · seed ${summary.run.seed} · ota-fleet ${mdCell(summary.tool.version)}`,
    `- scenario ${mdCode(summary.scenario.file)} (sha256 \`${summary.scenario.sha256.slice(0, 12)}\`)`,
    ...summary.notes.map((n) => `- ${mdCell(n)}`),
    '',
    '</details>',
    '',
  ];
  return [
    ...headline(summary),
    ...thresholdsSection(summary),
    ...comparisonSection(summary),
    ...callsSection(summary),
    ...rolloutSection(summary),
    ...errorsSection(summary),
    ...samplesSection(summary),
    ...details,
  ].join('\n');
}
