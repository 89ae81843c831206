/**
 * Baseline comparison: per-call latency percentiles, throughput, success rate, rollout convergence
 * and upgraded fraction of two run summaries, each judged by the policy as ok, improved, regressed
 * or missing. Reads defensively, so `--force` can compare summaries of another schema version. Pure.
 */
import { OtaFleetError } from '../error-codes.ts';
import { METRIC_CALLS } from '../metrics/registry.ts';
import type { ComparisonItem, ComparisonSummary, RunSummary, ValueUnit } from '../metrics/run-summary.ts';
import { formatObserved } from '../report/format.ts';
import { type CheckGroup, type CheckRule, type ComparePolicy, GROUPS, ruleFor } from './policy.ts';

/** A value read from a summary: a number, null (a time-to never reached) or undefined (no data). */
type Reading = number | null | undefined;

/** One check: its id, group and how to read its value (in the group's unit) from a summary. */
export interface CheckDef {
  id: string;
  group: CheckGroup;
  read(s: RunSummary): Reading;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function callCount(s: RunSummary, call: string): number {
  return num(s.calls?.[call as keyof RunSummary['calls']]?.count) ?? 0;
}

/** The checks two summaries are compared on (calls made in either run, rollout when either had one). */
export function checksFor(baseline: RunSummary, current: RunSummary): CheckDef[] {
  const defs: CheckDef[] = [];
  for (const call of METRIC_CALLS) {
    if (callCount(baseline, call) === 0 && callCount(current, call) === 0) continue;
    for (const p of ['p50', 'p90', 'p99'] as const) {
      defs.push({
        id: `${call}.${p}`,
        group: 'latency',
        read: (s) => {
          if (callCount(s, call) === 0) return undefined;
          const us = num(s.calls?.[call]?.latency?.[p]);
          return us === undefined ? undefined : us / 1000;
        },
      });
    }
  }
  const requests = (s: RunSummary) => num(s.totals?.requests) ?? 0;
  defs.push(
    { id: 'rps', group: 'throughput', read: (s) => (requests(s) > 0 ? num(s.totals?.rps) : undefined) },
    {
      id: 'success_rate',
      group: 'success',
      read: (s) => (requests(s) > 0 ? num(s.totals?.successRate) : undefined),
    },
  );
  if (baseline.rollout !== undefined || current.rollout !== undefined) {
    const timeTo = (p: 'p50' | 'p90') => (s: RunSummary) =>
      s.rollout === undefined
        ? undefined
        : s.rollout.timeTo?.[p] === null
          ? null
          : num(s.rollout.timeTo?.[p]);
    defs.push(
      { id: 'rollout.time_to_p50', group: 'convergence', read: timeTo('p50') },
      { id: 'rollout.time_to_p90', group: 'convergence', read: timeTo('p90') },
      { id: 'rollout.upgraded_fraction', group: 'upgraded', read: (s) => num(s.rollout?.upgradedFraction) },
    );
  }
  return defs;
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;

function item(def: CheckDef, b: Reading, c: Reading, rule: CheckRule): ComparisonItem {
  const { unit, better } = GROUPS[def.group];
  const base = { metric: def.id, baseline: b ?? null, current: c ?? null, unit, better };
  const out = (status: ComparisonItem['status'], message: string, extra: Partial<ComparisonItem> = {}) => ({
    ...base,
    change: null,
    ok: status === 'ok' || status === 'improved',
    status,
    message,
    ...extra,
  });
  if (b === undefined && c === undefined) return out('ok', 'no data in either run');
  if (c === undefined) return out('missing', 'no data in this run');
  if (b === undefined) return out('ok', 'no data in the baseline');
  // null is a time-to fraction never reached: infinitely late
  if (b === null && c === null) return out('ok', 'never reached in either run');
  if (c === null) return out('regressed', 'never reached in this run');
  if (b === null) return out('improved', 'reached; the baseline never did');
  const allowed = Math.max(rule.floor, rule.tolerance * Math.abs(b));
  const worse = better === 'lower' ? c - b : b - c;
  const change = b !== 0 ? round((c - b) / Math.abs(b)) : c === 0 ? 0 : null;
  const status = worse > allowed + 1e-9 ? 'regressed' : -worse > allowed + 1e-9 ? 'improved' : 'ok';
  const by = formatDelta(Math.abs(worse), unit);
  const message =
    status === 'regressed'
      ? `worse by ${by}, more than the ${formatDelta(allowed, unit)} allowed`
      : status === 'improved'
        ? `better by ${by}`
        : `within the ${formatDelta(allowed, unit)} allowed`;
  return out(status, message, { change, allowed: round(allowed) });
}

/** A difference in a unit; shares as percentage points. */
function formatDelta(v: number, unit: ValueUnit): string {
  return unit === 'ratio' ? `${Number((v * 100).toPrecision(3))} points` : formatObserved(v, unit);
}

/** Options of `compareSummaries`: the policy and how to name the baseline in reports. */
export interface CompareOptions {
  policy: ComparePolicy;
  /** The baseline as the user gave it (file or folder). */
  baselineLabel: string;
  /** Compare even if the scenario names or schema versions differ (the difference becomes a warning). */
  force?: boolean;
}

/**
 * Refuses (OtaFleetError ERR_USAGE) to compare runs of different scenarios or schema versions unless
 * `force`; returns warnings: a changed scenario file (sha256), partial runs, forced mismatches.
 */
export function compatibilityWarnings(baseline: RunSummary, current: RunSummary, force = false): string[] {
  const warnings: string[] = [];
  const bName = baseline.scenario?.name;
  const cName = current.scenario?.name;
  const mismatch = (what: string) => {
    if (!force)
      throw new OtaFleetError('ERR_USAGE', `${what}; they are not comparable (--force compares anyway)`);
    warnings.push(`${what} (compared anyway: --force)`);
  };
  if (baseline.schemaVersion !== current.schemaVersion)
    mismatch(
      `the summaries have different schema versions (baseline ${String(baseline.schemaVersion)}, this run ${String(current.schemaVersion)})`,
    );
  if (bName !== cName) mismatch(`the runs are of different scenarios (baseline ${bName}, this run ${cName})`);
  if (baseline.scenario?.sha256 !== current.scenario?.sha256)
    warnings.push('the scenario file changed since the baseline (sha256 differs)');
  for (const [who, s] of [
    ['baseline', baseline],
    ['this run', current],
  ] as const) {
    if (s.run?.partial) warnings.push(`${who} is a partial run (${s.run.partialReason ?? 'ended early'})`);
  }
  warnings.push(...lackedCallWarnings(baseline, current));
  return warnings;
}

/** The device calls a summary has no entry for (e.g. written before that call existed). */
export function lackedCalls(s: RunSummary): string[] {
  const calls = (s.calls ?? {}) as Record<string, unknown>;
  return METRIC_CALLS.filter((c) => calls[c] === undefined || calls[c] === null);
}

/** One warning per side that lacks calls the other has: those calls are compared as "no data". */
function lackedCallWarnings(baseline: RunSummary, current: RunSummary): string[] {
  const out: string[] = [];
  const bLacks = lackedCalls(baseline);
  const cLacks = lackedCalls(current);
  const say = (who: string, lacks: string[], other: string[]) => {
    const only = lacks.filter((c) => !other.includes(c));
    if (only.length === 0) return;
    const list = only.join(', ');
    out.push(
      `${who} has no ${only.length === 1 ? 'entry for the call' : 'entries for the calls'} ${list} (written by an ota-fleet that did not know ${only.length === 1 ? 'it' : 'them'}): compared as no data`,
    );
  };
  say('the baseline', bLacks, cLacks);
  say('this run', cLacks, bLacks);
  return out;
}

/** Compares `current` with `baseline` under the policy; throws ERR_USAGE when they are not comparable. */
export function compareSummaries(
  baseline: RunSummary,
  current: RunSummary,
  options: CompareOptions,
): ComparisonSummary {
  const warnings = compatibilityWarnings(baseline, current, options.force);
  const items: ComparisonItem[] = [];
  for (const def of checksFor(baseline, current)) {
    const rule = ruleFor(options.policy, def.id, def.group);
    if (rule.skip) continue;
    items.push(item(def, def.read(baseline), def.read(current), rule));
  }
  const summary: ComparisonSummary = {
    baseline: options.baselineLabel,
    baselineRun: {
      id: String(baseline.run?.id ?? ''),
      startedAt: String(baseline.run?.startedAt ?? ''),
      toolVersion: String(baseline.tool?.version ?? ''),
    },
    ok: items.every((i) => i.ok),
    items,
  };
  if (warnings.length > 0) summary.warnings = warnings;
  return summary;
}
