/**
 * The chart sections of report.html and the dashboard: headings, notes and the `[data-chart]`
 * containers the client script (html-client.ts) draws into, planned from what the run holds.
 */
import { activeCalls } from './calls.ts';
import { escapeHtml } from './html-tables.ts';
import type { ChartView } from './html-view.ts';
import type { RunSummary } from './summary.ts';

/** A chart container the client script draws into (report and dashboard). */
export function chart(name: string, title: string): string {
  return `<div class="chart" data-chart="${escapeHtml(name)}"><h3>${escapeHtml(title)}</h3><div class="plot"></div></div>`;
}

/** What the chart sections show: the calls with requests and which kinds of data there are. */
export interface ChartPlan {
  calls: readonly string[];
  rollout: boolean;
  targeted: number;
  hasSeries: boolean;
  hasErrors: boolean;
  hasStatus: boolean;
  hasErrno: boolean;
  arrivalRate: boolean;
  distributions: boolean;
}

/** The chart plan of a finished run. */
export function summaryPlan(summary: RunSummary, view: ChartView): ChartPlan {
  const r = summary.rollout;
  const ts = summary.timeseries;
  return {
    calls: activeCalls(summary)
      .filter(([, s]) => s.count > 0)
      .map(([c]) => c),
    rollout: r !== undefined && r.targeted > 0,
    targeted: r?.targeted ?? 0,
    hasSeries: ts.length > 0,
    hasErrors: ts.some((p) => Object.keys(p.errorsByCode).length > 0),
    hasStatus: ts.some((p) => Object.keys(p.errorsByStatus ?? {}).length > 0),
    hasErrno: ts.some((p) => Object.keys(p.errorsByErrno ?? {}).length > 0),
    arrivalRate: view.arrivalRate,
    distributions: Object.keys(view.distributions).length > 0,
  };
}

/** The chart sections (headings, containers, notes) of a plan; the dashboard redraws them as calls appear. */
export function chartsBlock(p: ChartPlan): string {
  const convergence = p.rollout
    ? chart('convergence', `Devices upgraded over time (targeted ${p.targeted})`)
    : '<p class="note">No rollout targeted any device in this run, so there is no convergence curve.</p>';
  const noRequests = '<p class="note">No requests were made.</p>';
  const latency = p.calls.map((c) =>
    chart(`latency:${c}`, `${c} latency over time (p50 / p90 / p95 / p99 / max)`),
  );
  const dist = p.calls.flatMap((c) => [
    chart(`spectrum:${c}`, `${c} latency by percentile`),
    chart(`hist:${c}`, `${c} latency histogram (counts)`),
  ]);
  const errorCharts = [
    p.hasErrors ? chart('errors', 'Errors per second by code') : '',
    p.hasErrno ? chart('errno', 'Failed replies per second by platform errno') : '',
  ].join('');
  const load = p.arrivalRate
    ? chart('arrivals', 'Visits started and dropped starts per second')
    : chart('devices', 'Active devices');
  return [
    '<h2>Rollout convergence</h2>',
    convergence,
    '<h2>Latency over time</h2>',
    p.hasSeries && latency.length > 0 ? `<div class="charts">${latency.join('\n')}</div>` : noRequests,
    '<h2>Latency distribution</h2>',
    p.distributions && dist.length > 0
      ? `<p class="note">From each call's HDR histogram over the whole run. The percentile chart is drawn as HdrHistogram's plotter draws it: the x axis is 1/(1-p) on a log scale, so the tail gets the room.</p><div class="charts">${dist.join('\n')}</div>`
      : noRequests,
    '<h2>Capacity: latency against throughput</h2>',
    p.hasSeries && latency.length > 0
      ? `<div class="charts">${chart('capacity', 'p99 of each call against requests/s (one point per second)')}</div>`
      : noRequests,
    '<h2>Throughput and errors</h2>',
    p.hasSeries
      ? `<div class="charts">${chart('throughput', 'Requests/s and bytes/s')}\n${chart('okko', 'Requests/s: OK and KO')}\n${chart('status', 'Replies per second by HTTP status')}\n${load}${errorCharts}</div>`
      : '<p class="note">No time series was recorded.</p>',
    p.hasErrors ? '' : '<p class="note">No errors were recorded.</p>',
  ].join('\n');
}
