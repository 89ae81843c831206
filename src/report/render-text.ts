/**
 * The end-of-run terminal summary (like k6's): run line, verdict, per-call latency table, totals,
 * rollout line, errors by code, thresholds and notes. Plain text, no colours, ≤ 110 columns.
 */
import { ERROR_CODES } from '../error-codes.ts';
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
import type { RunSummary } from './summary.ts';
import { textTable } from './text-table.ts';
import { verdictOf } from './verdict.ts';

const MAX_ERROR_ROWS = 15;

/**
 * Headline of the rollout, module tasks first (`module tasks upgraded 183/200 (91.5%) · p50 4.1s ...`),
 * then devices when known (`devices upgraded 90/100 (every targeted module)`).
 */
export function rolloutLine(summary: RunSummary): string | undefined {
  const r = summary.rollout;
  if (r === undefined) return undefined;
  const pendingNote = r.pendingFrom === 'server' ? ' (live on the server)' : '';
  const tasks =
    `module tasks upgraded ${formatCount(r.upgraded)}/${formatCount(r.targeted)} (${formatPercent(r.upgradedFraction)})` +
    ` · p50 ${formatMillis(r.timeTo.p50)} · p90 ${formatMillis(r.timeTo.p90)} · p99 ${formatMillis(r.timeTo.p99)}` +
    ` · failed ${formatCount(r.failed)} · cancelled ${formatCount(r.cancelled)} · pending ${formatCount(r.pending)}${pendingNote}`;
  const d = r.devices;
  if (d === undefined) return tasks;
  return `${tasks}\n  devices upgraded ${formatCount(d.upgraded)}/${formatCount(d.withTask)} with a task (a device counts once every targeted module upgraded)`;
}

/** The run's identity line: start, duration, workers, devices, target. */
export function runLine(summary: RunSummary): string {
  const { run } = summary;
  const shard = run.shard && run.shard.count > 1 ? ` · shard ${run.shard.index}/${run.shard.count}` : '';
  const target = `${run.target.url} (${run.target.embedded ? 'embedded, ' : ''}${run.target.dialect})`;
  return `${run.startedAt} · ${formatMillis(run.durationMs)} · ${run.workers} workers · ${formatCount(run.devices)} devices${shard} · target ${target}`;
}

function callsTable(summary: RunSummary): string {
  const rows = activeCalls(summary).map(([c, s]) => {
    const l = s.latency;
    return [
      c,
      formatCount(s.count),
      formatCount(s.failed),
      formatPercent(s.count > 0 ? s.failed / s.count : 0),
      formatMicros(l.p50),
      formatMicros(l.p90),
      formatMicros(l.p99),
      formatMicros(l.max),
    ];
  });
  if (rows.length === 0) return '  (no requests)';
  return textTable(['CALL', 'COUNT', 'FAIL', 'FAIL%', 'P50', 'P90', 'P99', 'MAX'], rows, [
    'l',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
    'r',
  ]);
}

/** Requests the stop cut in flight, apart from the completed ones of the calls table. */
export function cutLines(summary: RunSummary): string[] {
  const rows = activeCalls(summary).filter(([, s]) => (s.cut?.count ?? 0) > 0);
  if (rows.length === 0) return [];
  return [
    '',
    'CUT BY THE STOP  (in flight when the run ended; not in COUNT; age so far = a lower bound of latency)',
    textTable(
      ['CALL', 'CUT', 'AGE P50', 'AGE P99', 'AGE MAX'],
      rows.map(([c, s]) => [
        c,
        formatCount(s.cut!.count),
        formatMicros(s.cut!.age.p50),
        formatMicros(s.cut!.age.p99),
        formatMicros(s.cut!.age.max),
      ]),
      ['l', 'r', 'r', 'r', 'r'],
    ),
  ];
}

/** One line of a body excerpt: line breaks and tabs become spaces. */
const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, ' ').slice(0, 200);

/** The first failed requests of each error code (method, path, status, errno, body excerpt). */
export function sampleLines(summary: RunSummary): string[] {
  const samples = summary.errorSamples ?? [];
  if (samples.length === 0) return [];
  const out = ['', 'ERROR SAMPLES  (first few per code)'];
  for (const x of samples) {
    const status = x.status !== undefined ? ` → ${x.status}` : '';
    const errno = x.errno !== undefined ? ` errno ${x.errno}` : '';
    const detail = x.detail ? ` (${x.detail})` : '';
    out.push(`  ${x.code}  ${x.method} ${x.path}${status}${errno}${detail}`);
    if (x.body) out.push(`      ${oneLine(x.body)}`);
  }
  return out;
}

function totalsLines(summary: RunSummary): string[] {
  const t = summary.totals;
  const d = t.devices;
  const lines = [
    `  requests   ${formatCount(t.requests)} · failed ${formatCount(t.failedRequests)} (${formatPercent(t.errorRate)}) · ${formatRate(t.rps)}` +
      ` · retries ${formatCount(t.retries)}` +
      ((t.cutRequests ?? 0) > 0 ? ` · cut by the stop ${formatCount(t.cutRequests!)}` : ''),
    `  download   ${formatBytes(t.bytes)} · ${formatBytes(t.throughputBytesPerSec)}/s · resumes ${formatCount(t.downloadResumes)}`,
    `  devices    booted ${formatCount(d.booted)} · with a task ${formatCount(d.withTask)}` +
      (d.fullyUpgraded !== undefined
        ? ` · upgraded ${formatCount(d.fullyUpgraded)} (every targeted module)`
        : '') +
      ` · reboots ${formatCount(d.reboots)}` +
      (d.startsDropped > 0 ? ` · DROPPED STARTS ${formatCount(d.startsDropped)}` : ''),
    `  tasks      final outcomes of module tasks: upgraded ${formatCount(d.upgraded)} · failed ${formatCount(d.failed)}` +
      ` · cancelled ${formatCount(d.cancelled)} (attempts: ${formatCount(t.failedRequests)} failed requests, ${formatCount(t.retries)} retries)`,
  ];
  const m = mqttFigures(summary);
  if (m)
    lines.push(
      `  mqtt       sessions up ${formatCount(m.up)} · failed ${formatCount(m.failed)} · dropped ${formatCount(m.dropped)}` +
        ` · informs ${formatCount(m.informs)} · duplicate informs ${formatCount(m.duplicates)}` +
        (m.informToCheckP99 !== null ? ` · inform→check p99 ${formatMicros(m.informToCheckP99)}` : ''),
    );
  const durations = Object.entries(summary.durations).filter(([, l]) => l.count > 0);
  const width = Math.max(0, ...durations.map(([key]) => key.length));
  for (const [key, l] of durations) {
    lines.push(
      `  ${key.padEnd(width)}  p50 ${formatMicros(l.p50)} · p90 ${formatMicros(l.p90)} · p99 ${formatMicros(l.p99)} · max ${formatMicros(l.max)}`,
    );
  }
  return lines;
}

function errorsBlock(summary: RunSummary): string[] {
  if (summary.errors.length === 0) return [];
  const rows = summary.errors
    .slice(0, MAX_ERROR_ROWS)
    .map((e) => [e.code, e.call ?? '-', e.detail || '-', formatCount(e.count)]);
  const out = ['', 'ERRORS', textTable(['CODE', 'CALL', 'DETAIL', 'COUNT'], rows, ['l', 'l', 'l', 'r'])];
  const more = summary.errors.length - rows.length;
  if (more > 0) out.push(`  ... ${more} more (see report.html)`);
  const codes = [...new Set(summary.errors.slice(0, MAX_ERROR_ROWS).map((e) => e.code))];
  for (const code of codes) {
    const meaning = (ERROR_CODES as Record<string, string>)[code];
    if (meaning !== undefined) out.push(`  ${code}: ${meaning}`);
  }
  return out;
}

function thresholdLines(summary: RunSummary): string[] {
  if (summary.thresholds === undefined || summary.thresholds.length === 0) return [];
  return [
    '',
    'THRESHOLDS',
    ...summary.thresholds.map(
      (t) =>
        `  ${t.ok ? 'ok  ' : 'FAIL'}  ${t.metric}  ${t.expression}  (observed ${formatThresholdObserved(t)})`,
    ),
  ];
}

/** Renders the summary as the end-of-run terminal text (ends without a newline). */
export function renderText(summary: RunSummary): string {
  const verdict = verdictOf(summary);
  const out: string[] = [
    `ota-fleet ${summary.tool.version} · ${summary.scenario.name} · run ${summary.run.id}`,
    runLine(summary),
  ];
  if (summary.run.partial) {
    out.push(
      '',
      `!! PARTIAL RUN (${summary.run.partialReason ?? 'ended early'}): figures cover only the part that ran !!`,
    );
  }
  out.push(
    '',
    `VERDICT  ${verdict.status.toUpperCase()}${verdict.reasons.length > 0 ? ` · ${verdict.reasons.join(' · ')}` : ''}`,
  );
  if (verdict.cause !== undefined) out.push(`  cause: ${verdict.cause}`);
  for (const w of verdict.warnings ?? []) out.push(`  warning: ${w}`);
  out.push('', 'CALLS', callsTable(summary), ...cutLines(summary), '', 'TOTALS', ...totalsLines(summary));
  const rollout = rolloutLine(summary);
  if (rollout !== undefined) out.push('', 'ROLLOUT', `  ${rollout}`);
  out.push(...errorsBlock(summary), ...sampleLines(summary), ...thresholdLines(summary));
  if (summary.comparison !== undefined) {
    const c = summary.comparison;
    out.push(
      '',
      `COMPARISON  against ${c.baseline}: ${c.ok ? 'no regression' : `${c.items.filter((i) => !i.ok).length} regressions`}`,
      ...c.items
        .filter((i) => !i.ok)
        .map(
          (i) =>
            `  ${(i.status ?? 'regressed').toUpperCase()}  ${i.metric}  ${formatObserved(i.baseline, i.unit)} -> ${formatObserved(i.current, i.unit)}${i.message ? `  (${i.message})` : ''}`,
        ),
    );
  }
  if (summary.notes.length > 0) out.push('', 'NOTES', ...summary.notes.map((n) => `  - ${n}`));
  return out.join('\n');
}
