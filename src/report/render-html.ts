/**
 * report.html: ONE self-contained file (no network). uPlot's JS and CSS and the summary JSON are
 * inlined; tables are rendered here, charts by the inlined client script (html-client.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chartsBlock, summaryPlan } from './html-charts.ts';
import { REPORT_CLIENT_JS } from './html-client.ts';
import { summaryDistributions } from './html-dist.ts';
import { REPORT_CSS } from './html-style.ts';
import {
  callsTable,
  comparisonTable,
  cutTable,
  durationsTable,
  errorsTable,
  escapeHtml,
  kpiCards,
  rolloutTables,
  runFacts,
  samplesTable,
  thresholdsTable,
} from './html-tables.ts';
import { type ChartView, summaryView } from './html-view.ts';
import { runLine } from './render-text.ts';
import type { RunSummary } from './summary.ts';
import { verdictOf } from './verdict.ts';

let assets: { js: string; css: string } | undefined;

/** uPlot's minified JS and CSS, read once from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  if (assets === undefined) {
    const require = createRequire(import.meta.url);
    const read = (id: string) => readFileSync(require.resolve(id), 'utf8');
    assets = { js: read('uplot/dist/uPlot.iife.min.js'), css: read('uplot/dist/uPlot.min.css') };
  }
  return assets;
}

/** Makes text safe inside a raw-text element (<script>/<style>): no closing tag can appear. */
export function rawText(text: string, tag: 'script' | 'style'): string {
  return text.replace(new RegExp(`</(${tag})`, 'gi'), '<\\/$1');
}

/** The summary as inline JSON: `<` escaped as \u003c so nothing in it can close the script element. */
export function inlineJson(summary: RunSummary, view?: ChartView): string {
  const { histograms: _omitted, ...rest } = summary;
  return safeJson(view === undefined ? rest : { ...rest, view });
}

/** JSON safe inside a script element (`<` as \\u003c). */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function verdictBlock(summary: RunSummary): string {
  const v = verdictOf(summary);
  const label = v.status.toUpperCase();
  const reasons = v.reasons.length > 0 ? v.reasons : ['no thresholds or baseline to judge against'];
  const items = reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  const cause =
    v.cause === undefined
      ? ''
      : `<p class="cause" data-cause="true"><b>Cause:</b> ${escapeHtml(v.cause)}</p>`;
  const warnings = (v.warnings ?? [])
    .map((w) => `<p class="warning" data-warning="true">⚠ ${escapeHtml(w)}</p>`)
    .join('');
  let out = `<section class="verdict ${v.status}" data-verdict="${v.status}"><div class="status">${label}</div><ul>${items}</ul>${cause}${warnings}</section>`;
  if (summary.run.partial) {
    const why = escapeHtml(summary.run.partialReason ?? 'ended early');
    out += `\n<div class="banner" data-partial="true">PARTIAL RUN (${why}): the figures cover only the part of the run that happened.</div>`;
  }
  return out;
}

function body(summary: RunSummary, view: ChartView): string {
  const parts = [
    `<header><h1>${escapeHtml(summary.scenario.name)}</h1><p class="sub">${escapeHtml(runLine(summary))}</p></header>`,
    verdictBlock(summary),
    `<section class="kpis">${kpiCards(summary)}</section>`,
  ];
  if (summary.thresholds !== undefined && summary.thresholds.length > 0)
    parts.push('<h2>Thresholds</h2>', thresholdsTable(summary));
  if (summary.comparison !== undefined) {
    parts.push(
      `<h2>Comparison with ${escapeHtml(summary.comparison.baseline)}</h2>`,
      comparisonTable(summary),
    );
  }
  parts.push(
    `<div id="chart-sections">${chartsBlock(summaryPlan(summary, view))}</div>`,
    '<h2>Calls</h2>',
    callsTable(summary),
    cutTable(summary),
    ...(Object.values(summary.durations).some((l) => l.count > 0)
      ? ['<h2>Other durations</h2>', durationsTable(summary)]
      : []),
    '<h2>Errors</h2>',
    errorsTable(summary),
    samplesTable(summary),
    '<h2>Rollout</h2>',
    rolloutTables(summary),
    '<h2>Run</h2>',
    runFacts(summary),
  );
  if (summary.notes.length > 0)
    parts.push(`<ul class="notes">${summary.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>`);
  parts.push('<h2>Scenario</h2>', `<pre class="source">${escapeHtml(summary.scenario.source)}</pre>`);
  return parts.join('\n');
}

/** Renders the summary as one self-contained HTML page (uPlot and data inlined; no network). */
export function renderHtml(summary: RunSummary): string {
  const { js, css } = uplotAssets();
  const view = summaryView(summary, summaryDistributions(summary));
  const title = `ota-fleet · ${summary.scenario.name} · ${summary.run.startedAt}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="icon" href="data:,">
<style>${rawText(css, 'style')}</style>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
${body(summary, view)}
<footer>Generated by ${escapeHtml(`${summary.tool.name} ${summary.tool.version}`)} from summary.json (schemaVersion ${summary.schemaVersion}).</footer>
</main>
<script id="summary-data" type="application/json">${inlineJson(summary, view)}</script>
<script>${rawText(js, 'script')}</script>
<script>${REPORT_CLIENT_JS}</script>
</body>
</html>
`;
}
