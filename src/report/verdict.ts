/**
 * The verdict of a run, judged once from its summary and stored in summary.json (`summary.verdict`):
 * a run in which no device call succeeded is `refused`, with the cause in words; a failed threshold is
 * `failed`, a regression `regressed`; a call that was sent but never completed makes it `stalled`;
 * a call failing above WARN_FAILURE_RATE without a threshold covering it gives a warning naming its top
 * error codes. Every renderer shows the stored verdict (or judges an older summary the same way).
 */
import { ERROR_CODES } from '../error-codes.ts';
import type { ErrorSummary, RunSummary, RunVerdict, VerdictStatus } from '../metrics/run-summary.ts';
import { parseSelector } from '../metrics/threshold-selector.ts';
import { ERRNO_TEXT, Errno } from '../ota/codes.ts';
import type { OtaCall } from '../ota/routes.ts';
import { activeCalls } from './calls.ts';
import { formatMicros, formatPercent } from './format.ts';

/** Share of failed requests of one call above which the verdict warns (when no threshold covers it). */
export const WARN_FAILURE_RATE = 0.05;
/** Error codes named in a warning. */
const TOP_CODES = 3;

/** What to check for the errno a refused run answered with. */
const ERRNO_HINT: Readonly<Record<number, string>> = {
  [Errno.AUTH_FAILED]: 'authentication failed — check product.accessKey, tokenLevel and tokenMethod',
  [Errno.BAD_PARAM]: 'invalid parameter — check the device names (fleet.namePattern) and versions',
  [Errno.TOKEN_DEVICE_MISMATCH]: 'token and device mismatch — check product.tokenLevel and product.id',
  [Errno.TOKEN_EXPIRED]: 'token expired — check product.tokenTtl and the clock of this machine',
};

/** What to check for an error code that failed every request. */
const CODE_HINT: Readonly<Record<string, string>> = {
  ERR_TRANSPORT_CONNECT_REFUSED: 'check target.url and that the server is running',
  ERR_TRANSPORT_CONNECT_TIMEOUT: 'check target.url and the network path to it',
  ERR_OTA_BAD_REPLY: 'check target.url (its base path) and target.dialect',
  ERR_HTTP_STATUS: 'check target.url (its base path) and target.host',
};

function meaningOf(code: string): string | undefined {
  return (ERROR_CODES as Readonly<Record<string, string>>)[code];
}

/** One error row in words: `errno 1 = authentication failed — check ...` or `CODE (detail) = meaning`. */
export function describeError(row: Pick<ErrorSummary, 'code' | 'detail'>, withHint = true): string {
  const errno = /^(?:errno|Ota-Errno) (\d+)$/.exec(row.detail);
  if (errno !== null && row.code === 'ERR_OTA_ERRNO') {
    const n = Number(errno[1]);
    const hint = withHint ? ERRNO_HINT[n] : undefined;
    return `${row.detail} = ${hint ?? ERRNO_TEXT[n] ?? 'an unknown error number'}`;
  }
  const what = row.detail ? `${row.code} (${row.detail})` : row.code;
  const meaning = meaningOf(row.code) ?? 'an error code this ota-fleet does not know';
  const hint = withHint ? CODE_HINT[row.code] : undefined;
  return `${what} = ${meaning}${hint ? ` — ${hint}` : ''}`;
}

/** The error rows summed over calls: one per code and detail, most frequent first. */
function byCause(errors: readonly ErrorSummary[], call?: OtaCall): ErrorSummary[] {
  const rows = new Map<string, ErrorSummary>();
  for (const e of errors) {
    if (call !== undefined && e.call !== call) continue;
    const id = `${e.code}\u0000${e.detail}`;
    const row = rows.get(id) ?? { code: e.code, detail: e.detail, count: 0 };
    row.count += e.count;
    rows.set(id, row);
  }
  return [...rows.values()].sort((a, b) => b.count - a.count || a.code.localeCompare(b.code));
}

function cutOf(summary: RunSummary): number {
  if (summary.totals.cutRequests !== undefined) return summary.totals.cutRequests;
  return activeCalls(summary).reduce((n, [, s]) => n + (s.cut?.count ?? 0), 0);
}

/** The sentence of a refused run: why no device call succeeded. */
function refusedCause(summary: RunSummary, cut: number): string {
  const { failedRequests } = summary.totals;
  if (failedRequests === 0) {
    const calls = activeCalls(summary)
      .filter(([, s]) => (s.cut?.count ?? 0) > 0)
      .map(([c, s]) => `${c} ${s.cut!.count}`)
      .join(', ');
    return `no request completed: ${cut} were still in flight when the run stopped (${calls}) — the target accepted them but never answered; check the server and requestTimeout`;
  }
  const rows = byCause(summary.errors);
  const top = rows[0];
  const lead = top === undefined ? 'every request failed' : `every request failed: ${describeError(top)}`;
  const parts = [lead];
  if (top !== undefined && top.count < failedRequests) {
    const others = rows
      .slice(1, TOP_CODES)
      .map((r) => describeError(r, false))
      .join('; ');
    parts.push(`(${top.count} of ${failedRequests}${others ? `; also ${others}` : ''})`);
  }
  if (cut > 0) parts.push(`and ${cut} were cut in flight by the stop`);
  return parts.join(' ');
}

/** True when a threshold judges the failures of `call` (its error share, failed requests or all errors). */
function covered(summary: RunSummary, call: OtaCall): boolean {
  for (const t of summary.thresholds ?? []) {
    const sel = parseSelector(t.metric);
    if (!sel.ok) continue;
    const { name, tags } = sel.value;
    const callOk = tags['call'] === undefined || tags['call'] === call;
    if (!callOk) continue;
    if (name === 'success_rate' || name === 'error_rate' || name === 'ota_requests_failed') return true;
    if (name === 'errors' && tags['code'] === undefined) return true;
  }
  return false;
}

function failureWarnings(summary: RunSummary): string[] {
  const out: string[] = [];
  for (const [call, s] of activeCalls(summary)) {
    if (s.count === 0 || s.failed / s.count <= WARN_FAILURE_RATE || covered(summary, call)) continue;
    const top = byCause(summary.errors, call)
      .slice(0, TOP_CODES)
      .map((r) => `${describeError(r, false)} (${r.count})`)
      .join('; ');
    out.push(
      `${call}: ${formatPercent(s.failed / s.count)} of ${s.count} requests failed and no threshold covers it${top ? ` — top errors: ${top}` : ''}`,
    );
  }
  return out;
}

function stalledReasons(summary: RunSummary): { stalled: string[]; cutNote?: string } {
  const stalled: string[] = [];
  let cut = 0;
  for (const [call, s] of activeCalls(summary)) {
    const n = s.cut?.count ?? 0;
    cut += n;
    if (n > 0 && s.count === 0)
      stalled.push(
        `${call}: ${n} sent, none completed (in flight for up to ${formatMicros(s.cut!.age.max)} when the run stopped)`,
      );
  }
  if (cut === 0) return { stalled };
  return { stalled, cutNote: `${cut} requests were in flight when the run stopped (counted apart)` };
}

/** Judges a summary (pure): the verdict every report headlines and summary.json stores. */
export function judgeRun(summary: RunSummary): RunVerdict {
  const reasons: string[] = [];
  const warnings: string[] = [];
  const cut = cutOf(summary);
  const { requests, failedRequests } = summary.totals;
  const refused = requests + cut > 0 && requests - failedRequests <= 0;
  let cause: string | undefined;
  if (refused) {
    cause = refusedCause(summary, cut);
    reasons.push('no device call succeeded');
  }
  const thresholds = summary.thresholds ?? [];
  const failed = thresholds.filter((t) => !t.ok).length;
  if (thresholds.length > 0) {
    reasons.push(
      failed > 0
        ? `${failed} of ${thresholds.length} thresholds failed`
        : `all ${thresholds.length} thresholds passed`,
    );
  }
  const { comparison } = summary;
  if (comparison !== undefined) {
    const worse = comparison.items.filter((i) => !i.ok).length;
    reasons.push(
      comparison.ok
        ? `no regression against ${comparison.baseline}`
        : `${worse} regressions against ${comparison.baseline}`,
    );
  }
  const { stalled, cutNote } = refused ? { stalled: [] } : stalledReasons(summary);
  if (stalled.length > 0) {
    cause = `a call never completed: ${stalled.join('; ')}`;
    reasons.push(`${stalled.length === 1 ? 'a call' : `${stalled.length} calls`} never completed`);
  } else if (cutNote !== undefined) reasons.push(cutNote);
  if (!refused) warnings.push(...failureWarnings(summary));
  const { run } = summary;
  if (run.partial) reasons.push(`partial run${run.partialReason ? ` (${run.partialReason})` : ''}`);
  let status: VerdictStatus = 'completed';
  if (refused) status = 'refused';
  else if (failed > 0) status = 'failed';
  else if (comparison !== undefined && !comparison.ok) status = 'regressed';
  else if (stalled.length > 0) status = 'stalled';
  else if (thresholds.length > 0 || comparison !== undefined) status = 'passed';
  const verdict: RunVerdict = { status, partial: run.partial, reasons };
  if (cause !== undefined) verdict.cause = cause;
  if (warnings.length > 0) verdict.warnings = warnings;
  return verdict;
}

/** The stored verdict of a summary, or (an older summary, written without one) its verdict judged now. */
export function verdictOf(summary: RunSummary): RunVerdict {
  return summary.verdict ?? judgeRun(summary);
}
