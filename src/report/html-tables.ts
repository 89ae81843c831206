/** HTML fragments (tables and fact lists) of report.html; every value passes through `escapeHtml`. */
import { ERROR_CODES } from '../error-codes.ts';
import type { LatencyStats } from '../metrics/snapshot.ts';
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
import type { RolloutCounts, RunSummary } from './summary.ts';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A cell: plain text (escaped), right-aligned when `num`, with an optional class. */
interface Cell {
  text: string;
  num?: boolean;
  cls?: string;
}

const n = (text: string): Cell => ({ text, num: true });

/** A table from a header and rows of cells; header cells ending in `#` are right-aligned. */
export function htmlTable(header: readonly string[], rows: readonly (readonly (Cell | string)[])[]): string {
  const th = header
    .map((h) =>
      h.endsWith('#') ? `<th class="num">${escapeHtml(h.slice(0, -1))}</th>` : `<th>${escapeHtml(h)}</th>`,
    )
    .join('');
  const body = rows
    .map((r) => {
      const tds = r.map((c) => {
        const cell = typeof c === 'string' ? { text: c } : c;
        const cls = [cell.num ? 'num' : '', cell.cls ?? ''].filter(Boolean).join(' ');
        return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(cell.text)}</td>`;
      });
      return `<tr>${tds.join('')}</tr>`;
    })
    .join('\n');
  return `<div class="scroll"><table><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

function latencyCells(l: LatencyStats): Cell[] {
  return [l.p50, l.p90, l.p95, l.p99, l.p99_9, l.max].map((v) => n(l.count > 0 ? formatMicros(v) : '-'));
}

/** min, mean and standard deviation (k6's avg/min, Gatling's mean and std-dev). */
function spreadCells(l: LatencyStats): Cell[] {
  return [l.min, l.mean, l.stddev].map((v) => n(l.count > 0 ? formatMicros(v) : '-'));
}

/** Per-call table: counts, failure share and latency percentiles (all and by outcome). */
export function callsTable(summary: RunSummary): string {
  const rows: Cell[][] = [];
  for (const [call, s] of activeCalls(summary)) {
    if (s.count === 0) continue;
    const share = formatPercent(s.count > 0 ? s.failed / s.count : 0);
    rows.push([
      { text: call },
      n(formatCount(s.count)),
      n(`${formatCount(s.failed)} (${share})`),
      ...spreadCells(s.latency),
      ...latencyCells(s.latency),
    ]);
    if (s.failed > 0) {
      rows.push([
        { text: '↳ ok', cls: 'muted' },
        n(formatCount(s.latencyByOutcome.ok.count)),
        n(''),
        ...spreadCells(s.latencyByOutcome.ok),
        ...latencyCells(s.latencyByOutcome.ok),
      ]);
      rows.push([
        { text: '↳ failed', cls: 'muted' },
        n(formatCount(s.latencyByOutcome.error.count)),
        n(''),
        ...spreadCells(s.latencyByOutcome.error),
        ...latencyCells(s.latencyByOutcome.error),
      ]);
    }
  }
  if (rows.length === 0) return '<p class="note">No requests were made.</p>';
  return htmlTable(
    [
      'Call',
      'Count#',
      'Failed#',
      'min#',
      'mean#',
      'std-dev#',
      'p50#',
      'p90#',
      'p95#',
      'p99#',
      'p99.9#',
      'max#',
    ],
    rows,
  );
}

/** Table of the other latency histograms (download TTFB, device upgrade duration, ...). */
export function durationsTable(summary: RunSummary): string {
  const rows = Object.entries(summary.durations)
    .filter(([, l]) => l.count > 0)
    .map(([key, l]) => [{ text: key }, n(formatCount(l.count)), ...latencyCells(l)]);
  return htmlTable(['Histogram', 'Count#', 'p50#', 'p90#', 'p95#', 'p99#', 'p99.9#', 'max#'], rows);
}

/** Error table with the meaning of each stable code. */
export function errorsTable(summary: RunSummary): string {
  if (summary.errors.length === 0) return '<p class="note">No errors.</p>';
  const rows = summary.errors.map((e) => [
    { text: e.code },
    { text: e.call ?? '-' },
    { text: e.detail || '-' },
    n(formatCount(e.count)),
    { text: (ERROR_CODES as Record<string, string>)[e.code] ?? '' },
  ]);
  return htmlTable(['Code', 'Call', 'Detail', 'Count#', 'Meaning'], rows);
}

function countsTable(title: string, byGroup: Record<string, RolloutCounts>): string {
  const rows = Object.entries(byGroup).map(([g, c]) => [
    { text: g },
    n(formatCount(c.upgraded)),
    n(formatCount(c.failed)),
    n(formatCount(c.cancelled)),
  ]);
  return htmlTable([title, 'Upgraded#', 'Failed#', 'Cancelled#'], rows);
}

/** Rollout tables: totals and time-to, by start version, by profile, failing steps, server batches. */
export function rolloutTables(summary: RunSummary): string {
  const r = summary.rollout;
  if (r === undefined) return '<p class="note">This run had no rollout.</p>';
  const pending = r.pendingFrom === 'server' ? 'Pending (live on server)#' : 'Pending#';
  const parts = [
    '<p class="note">Module tasks (a device with two targeted modules has two), final outcomes once per task.</p>',
    htmlTable(
      ['Targeted tasks#', 'Upgraded#', 'Failed#', 'Cancelled#', pending, 'to p50#', 'to p90#', 'to p99#'],
      [
        [
          n(formatCount(r.targeted)),
          n(`${formatCount(r.upgraded)} (${formatPercent(r.upgradedFraction)})`),
          n(formatCount(r.failed)),
          n(formatCount(r.cancelled)),
          n(formatCount(r.pending)),
          n(formatMillis(r.timeTo.p50)),
          n(formatMillis(r.timeTo.p90)),
          n(formatMillis(r.timeTo.p99)),
        ],
      ],
    ),
  ];
  if (r.devices !== undefined) {
    parts.push(
      `<p class="devices">Devices: <b>${escapeHtml(formatCount(r.devices.upgraded))}</b> of ${escapeHtml(formatCount(r.devices.withTask))} with a task upgraded (a device counts once every targeted module upgraded).</p>`,
    );
  }
  if (Object.keys(r.byStartVersion).length > 0)
    parts.push('<h3>By start version</h3>', countsTable('From version', r.byStartVersion));
  if (Object.keys(r.byProfile).length > 0)
    parts.push('<h3>By profile</h3>', countsTable('Profile', r.byProfile));
  const steps = Object.entries(r.failedBySteps).map(([s, c]) => [{ text: s }, n(formatCount(c))]);
  if (steps.length > 0) parts.push('<h3>Failed at step</h3>', htmlTable(['Step', 'Devices#'], steps));
  if (r.batches.length > 0) {
    const rows = r.batches.map((b) => [
      { text: b.name },
      { text: b.id },
      { text: b.status },
      n(formatCount(b.targeted)),
      {
        text: Object.entries(b.counts)
          .map(([k, v]) => `${k} ${formatCount(v)}`)
          .join(' · '),
      },
    ]);
    parts.push('<h3>Server batches</h3>', htmlTable(['Batch', 'Id', 'Status', 'Targeted#', 'Counts'], rows));
  }
  return parts.join('\n');
}

/** Thresholds table (ok / failed per expression). */
export function thresholdsTable(summary: RunSummary): string {
  const rows = (summary.thresholds ?? []).map((t) => [
    { text: t.ok ? 'ok' : 'failed', cls: t.ok ? 'ok' : 'bad' },
    { text: t.metric },
    { text: t.expression },
    n(formatThresholdObserved(t)),
  ]);
  return htmlTable(['', 'Metric', 'Threshold', 'Observed#'], rows);
}

/** Baseline comparison table. */
export function comparisonTable(summary: RunSummary): string {
  const c = summary.comparison;
  if (c === undefined) return '';
  const rows = c.items.map((i) => [
    { text: i.status ?? (i.ok ? 'ok' : 'regressed'), cls: i.ok ? 'ok' : 'bad' },
    { text: i.metric },
    n(formatObserved(i.baseline, i.unit)),
    n(formatObserved(i.current, i.unit)),
    n(i.change === null ? '-' : `${i.change >= 0 ? '+' : ''}${formatPercent(i.change)}`),
  ]);
  return htmlTable(['', 'Metric', 'Baseline#', 'This run#', 'Change#'], rows);
}

/** Key figures as cards: requests, failures, rate, check p99, bytes, upgraded. */
export function kpiCards(summary: RunSummary): string {
  const t = summary.totals;
  const check = summary.calls.check;
  const cards: [string, string][] = [
    ['Requests', formatCount(t.requests)],
    ['Failed', formatPercent(t.errorRate)],
    ['Throughput', formatRate(t.rps, ' req/s')],
    ['check p99', check !== undefined && check.count > 0 ? formatMicros(check.latency.p99) : '-'],
    ['Downloaded', formatBytes(t.bytes)],
  ];
  if (summary.rollout !== undefined) {
    cards.push([
      'Tasks upgraded',
      `${formatCount(summary.rollout.upgraded)}/${formatCount(summary.rollout.targeted)}`,
    ]);
    const d = summary.rollout.devices;
    if (d !== undefined)
      cards.push(['Devices upgraded', `${formatCount(d.upgraded)}/${formatCount(d.withTask)}`]);
  }
  const m = mqttFigures(summary);
  if (m) {
    cards.push(['MQTT informs', formatCount(m.informs)]);
    cards.push(['inform→check p99', m.informToCheckP99 !== null ? formatMicros(m.informToCheckP99) : '-']);
  }
  if (t.devices.startsDropped > 0) cards.push(['Dropped starts', formatCount(t.devices.startsDropped)]);
  return cards
    .map(
      ([label, value]) =>
        `<div class="kpi"><div class="label">${escapeHtml(label)}</div><div class="value">${escapeHtml(value)}</div></div>`,
    )
    .join('\n');
}

/** Run facts as a definition list. */
export function runFacts(summary: RunSummary): string {
  const { run, scenario, tool } = summary;
  const facts: [string, string][] = [
    ['Run id', run.id],
    ['Started', run.startedAt],
    ['Ended', run.endedAt],
    ['Duration', formatMillis(run.durationMs)],
    ['Ended because', run.endReason ?? (run.partial ? (run.partialReason ?? 'ended early') : '-')],
    ['Target', `${run.target.url} (${run.target.embedded ? 'embedded, ' : ''}${run.target.dialect})`],
    ['Workers · devices', `${run.workers} · ${formatCount(run.devices)}`],
    ['Seed', String(run.seed)],
    ['Scenario file', `${scenario.file} (sha256 ${scenario.sha256})`],
    ['Tool', `${tool.name} ${tool.version}`],
  ];
  if (run.shard && run.shard.count > 1)
    facts.splice(7, 0, ['Shard', `${run.shard.index} of ${run.shard.count}`]);
  return `<dl class="facts">${facts.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`;
}

/** Requests the stop cut in flight, apart from the completed ones (their age is a lower bound of latency). */
export function cutTable(summary: RunSummary): string {
  const rows = activeCalls(summary)
    .filter(([, s]) => (s.cut?.count ?? 0) > 0)
    .map(([c, s]) => [
      { text: c },
      n(formatCount(s.cut!.count)),
      n(formatMicros(s.cut!.age.p50)),
      n(formatMicros(s.cut!.age.p99)),
      n(formatMicros(s.cut!.age.max)),
    ]);
  if (rows.length === 0) return '';
  return `<h3>Cut by the stop</h3><p class="note">In flight when the run ended, not in the counts above; their age so far is a lower bound of their latency.</p>${htmlTable(['Call', 'Cut#', 'age p50#', 'age p99#', 'age max#'], rows)}`;
}

/** The first failed requests of each error code (never an Authorization value). */
export function samplesTable(summary: RunSummary): string {
  const samples = summary.errorSamples ?? [];
  if (samples.length === 0) return '';
  const rows = samples.map((x) => [
    { text: x.code },
    { text: `${x.method} ${x.path}` },
    n(x.status === undefined ? '-' : String(x.status)),
    n(x.errno === undefined ? '-' : String(x.errno)),
    { text: x.body ?? x.detail ?? '-' },
  ]);
  return `<h3>Error samples (first few per code)</h3>${htmlTable(['Code', 'Request', 'Status#', 'errno#', 'Body / detail'], rows)}`;
}
