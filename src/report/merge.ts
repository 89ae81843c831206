/**
 * Exact merge of run summaries (one per shard, machine or process) into the summary of one run:
 * counters are added, HDR histograms are decoded and added into fresh accumulators, and every
 * statistic is recomputed from the merged data by the same `buildSummary` a single run uses, so a
 * merged summary reads like an unsharded one. docs/report.md ("Merging runs") explains the rules.
 */

import { OtaFleetError } from '../error-codes.ts';
import { mergeErrorSamples } from '../metrics/error-samples.ts';
import { buildSummary } from '../metrics/finish.ts';
import { mergeEncodedHistograms } from '../metrics/snapshot.ts';
import {
  addTo,
  type CallPoint,
  callPoint,
  emptyPoint,
  type TimePoint,
  TimeSeries,
} from '../metrics/timeseries.ts';
import type { OtaCall } from '../ota/routes.ts';
import type { FreshSummary, RolloutBatch, RunMeta, RunSummary, ScenarioInfo, TargetInfo } from './summary.ts';

/** Options of `mergeSummaries`. */
export interface MergeOptions {
  /** Merge even when scenarios, seeds, schema versions or shards do not fit; each mismatch becomes a note. */
  force?: boolean;
  /** One name per input for notes (default `shard i/n`, or `input k` for unsharded runs). */
  labels?: readonly string[];
  /** The server's view of the rollout when the caller played it (runProcesses); wins over the inputs'. */
  rollout?: { targeted: number; batches: RolloutBatch[] };
  /** Devices the rollout targeted, when the caller knows better than the inputs (`--targeted N`). */
  targeted?: number;
  /** The scenario to report, when the inputs ran a derived copy of it (runProcesses). */
  scenario?: Omit<ScenarioInfo, 'sha256'> & { sha256?: string };
  /** The target to report, when the inputs reached it under another guise (runProcesses). */
  target?: TargetInfo;
  /** Marks the merged run partial with this reason (e.g. a process failed). */
  partialReason?: string;
  /** Extra notes, listed first. */
  notes?: readonly string[];
}

/** Notes `buildSummary` writes itself; the inputs' copies are dropped so the merged run says them once, if still true. */
const REGENERATED_NOTES = [
  'No rollout target count was given',
  'No requests were recorded.',
  'Devices reported ',
];

const APPROXIMATE_SERIES_NOTE =
  'Merged runs: per-second latency percentiles (timeseries calls p50/p90/p99) of seconds in which ' +
  'more than one input made a call are approximated from the inputs’ per-second percentiles ' +
  '(their piecewise-linear distributions mixed by count); every whole-run latency figure is exact, ' +
  'computed from the merged HDR histograms.';

function labelsOf(inputs: readonly RunSummary[], given?: readonly string[]): string[] {
  return inputs.map((s, k) => {
    const label = given?.[k];
    if (label !== undefined) return label;
    const shard = s.run.shard;
    return shard && shard.count > 1 ? `shard ${shard.index}/${shard.count}` : `input ${k + 1}`;
  });
}

function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** Every reason these inputs cannot be one run; empty when they fit together. */
export function mergeProblems(inputs: readonly RunSummary[], labels: readonly string[]): string[] {
  const problems: string[] = [];
  const differ = (what: string, value: (s: RunSummary) => unknown) => {
    const values = inputs.map((s) => JSON.stringify(value(s)));
    if (distinct(values).length > 1)
      problems.push(`${what} differ: ${values.map((v, k) => `${labels[k]} ${v}`).join(', ')}`);
  };
  differ('schema versions', (s) => s.schemaVersion);
  differ('scenarios (name, sha256 of the scenario text)', (s) => `${s.scenario.name} ${s.scenario.sha256}`);
  differ('seeds', (s) => s.run.seed);
  differ('target dialects', (s) => s.run.target.dialect);
  const ids = inputs.map((s) => s.run.id);
  for (const id of distinct(ids.filter((id, k) => ids.indexOf(id) !== k)))
    problems.push(`run ${id} is given more than once: its devices would be counted twice`);
  const window = windowGap(inputs, labels);
  if (window !== undefined) problems.push(window);
  const shards = inputs.map((s) => s.run.shard ?? { index: 1, count: 1 });
  differ('shard counts (--shard i/n splits a fleet into n slices)', (s) => s.run.shard?.count ?? 1);
  const seen = new Map<number, string>();
  shards.forEach((sh, k) => {
    const before = seen.get(sh.index);
    const sameRun = inputs.findIndex((x) => x.run.id === inputs[k]!.run.id) !== k;
    if (before !== undefined && sh.count === shards[0]!.count && !sameRun) {
      const what = sh.count === 1 ? 'the whole fleet' : `shard ${sh.index}/${sh.count}`;
      problems.push(`${before} and ${labels[k]} both ran ${what}: the same devices would be counted twice`);
    }
    seen.set(sh.index, labels[k]!);
  });
  return problems;
}

/**
 * Why the inputs' run windows (startedAt..endedAt) do not all overlap, or undefined when some moment
 * lies inside every one of them: shards of one run run at the same time, not one after the other.
 */
export function windowGap(inputs: readonly RunSummary[], labels: readonly string[]): string | undefined {
  if (inputs.length < 2) return undefined;
  const starts = inputs.map((s) => Date.parse(s.run.startedAt));
  const ends = inputs.map((s) => Date.parse(s.run.endedAt));
  const latestStart = Math.max(...starts);
  const earliestEnd = Math.min(...ends);
  if (latestStart < earliestEnd) return undefined;
  const late = starts.indexOf(latestStart);
  const early = ends.indexOf(earliestEnd);
  return `run windows do not overlap: ${labels[early]} ended at ${inputs[early]!.run.endedAt}, ${((latestStart - earliestEnd) / 1000).toFixed(1)} s before ${labels[late]} started at ${inputs[late]!.run.startedAt} (runs one after the other are not one run)`;
}

function sumCounters(inputs: readonly RunSummary[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of inputs) for (const [k, n] of Object.entries(s.counters)) out[k] = (out[k] ?? 0) + n;
  return out;
}

function mergeHistograms(
  inputs: readonly RunSummary[],
): Map<string, ReturnType<typeof mergeEncodedHistograms>> {
  const byKey = new Map<string, string[]>();
  for (const s of inputs)
    for (const [k, e] of Object.entries(s.histograms)) byKey.set(k, [...(byKey.get(k) ?? []), e]);
  return new Map([...byKey].map(([k, list]) => [k, mergeEncodedHistograms(list)]));
}

/** Cumulative distribution through an input's known percentiles (linear between them, 0 at 0 µs). */
function knots(p: CallPoint): Array<[number, number]> {
  const tail = p.p99 + ((p.p99 - p.p90) * 0.01) / 0.09;
  return [
    [0, 0],
    [p.p50, 0.5],
    [p.p90, 0.9],
    [p.p99, 0.99],
    [tail, 1],
  ];
}

function cdf(k: ReadonlyArray<[number, number]>, x: number): number {
  let i = 0;
  while (i + 1 < k.length && k[i + 1]![0] <= x) i++;
  const [x0, y0] = k[i]!;
  const next = k[i + 1];
  if (next === undefined) return 1;
  return y0 + ((next[1] - y0) * (x - x0)) / (next[0] - x0);
}

/** Smallest µs value at which the count-weighted mixture of the inputs' distributions reaches q. */
export function mixQuantile(parts: readonly CallPoint[], q: number): number {
  const live = parts.filter((p) => p.count > 0);
  const total = live.reduce((n, p) => n + p.count, 0);
  if (total === 0) return 0;
  if (live.length === 1) return q === 0.5 ? live[0]!.p50 : q === 0.9 ? live[0]!.p90 : live[0]!.p99;
  const ks = live.map(knots);
  const mix = (x: number) => ks.reduce((f, k, i) => f + (live[i]!.count / total) * cdf(k, x), 0);
  let lo = 0;
  let hi = Math.ceil(Math.max(...ks.map((k) => k[k.length - 1]![0]))) + 1;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (mix(mid) >= q - 1e-9) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The inputs' per-second series added point-wise on one clock: input i's second t is second
 * t + round((startedAt_i − earliest start) / 1 s) of the merged run. Returns the series and whether
 * any per-second percentile had to be approximated.
 */
export function mergeTimeseries(inputs: readonly RunSummary[]): {
  points: TimePoint[];
  approximated: boolean;
} {
  const start = Math.min(...inputs.map((s) => Date.parse(s.run.startedAt)));
  const points: TimePoint[] = [];
  const parts = new Map<CallPoint, CallPoint[]>();
  for (const s of inputs) {
    const offset = Math.round((Date.parse(s.run.startedAt) - start) / 1000);
    for (const p of s.timeseries) {
      const t = p.t + offset;
      while (points.length <= t) points.push(emptyPoint(points.length));
      addPoint(points[t]!, p, parts);
    }
  }
  let approximated = false;
  for (const [into, list] of parts) {
    if (list.filter((p) => p.count > 0).length > 1) approximated = true;
    into.p50 = mixQuantile(list, 0.5);
    into.p90 = mixQuantile(list, 0.9);
    into.p99 = mixQuantile(list, 0.99);
    // p95 and max are newer fields: set only when every input had them
    const live = list.filter((p) => p.count > 0);
    if (live.length > 0 && live.every((p) => p.p95 !== undefined && p.max !== undefined)) {
      into.p95 = live.length === 1 ? live[0]!.p95! : mixQuantile(live, 0.95);
      into.max = Math.max(...live.map((p) => p.max!));
    }
  }
  return { points, approximated };
}

/** Adds point `p` into `m`; each merged call point remembers the input points it was made of. */
function addPoint(m: TimePoint, p: TimePoint, parts: Map<CallPoint, CallPoint[]>): void {
  m.requests += p.requests;
  m.errors += p.errors;
  m.bytes += p.bytes;
  m.upgraded += p.upgraded;
  m.failed += p.failed;
  m.cancelled += p.cancelled;
  m.active += p.active;
  for (const [code, n] of Object.entries(p.errorsByCode))
    m.errorsByCode[code] = (m.errorsByCode[code] ?? 0) + n;
  if (p.started !== undefined) m.started = (m.started ?? 0) + p.started;
  if (p.dropped !== undefined) m.dropped = (m.dropped ?? 0) + p.dropped;
  for (const field of ['errorsByStatus', 'errorsByErrno'] as const)
    for (const [k, n] of Object.entries(p[field] ?? {})) addTo(m, field, k, n);
  for (const [call, cp] of Object.entries(p.calls) as Array<[OtaCall, CallPoint]>) {
    const into = callPoint(m, call);
    into.count += cp.count;
    into.errors += cp.errors;
    parts.set(into, [...(parts.get(into) ?? []), cp]);
  }
}

/**
 * The rollout facts to rebuild from: the caller's, else one server's view when every input used the
 * same external server, else (one embedded server per input) counted once or summed; see docs.
 */
function mergeRollout(
  inputs: readonly RunSummary[],
  labels: readonly string[],
  opts: MergeOptions,
  notes: string[],
): RunMeta['rollout'] {
  if (opts.rollout !== undefined)
    return { ...opts.rollout, targeted: opts.targeted ?? opts.rollout.targeted };
  const withBatches = inputs.filter((s) => (s.rollout?.batches.length ?? 0) > 0);
  if (withBatches.length === 0) return opts.targeted !== undefined ? { targeted: opts.targeted } : undefined;
  const urls = distinct(inputs.map((s) => s.run.target.url));
  if (urls.length === 1 && inputs.every((s) => !s.run.target.embedded)) {
    const last = withBatches.reduce((a, b) =>
      Date.parse(b.run.endedAt) > Date.parse(a.run.endedAt) ? b : a,
    );
    notes.push(
      `Rollout: every input used the same server (${urls[0]}), so its batches are counted once, as ${labels[inputs.indexOf(last)]} read them last.`,
    );
    return { targeted: opts.targeted ?? last.rollout!.targeted, batches: last.rollout!.batches };
  }
  const values = inputs.map((s) => s.rollout?.targeted ?? 0);
  const wholeFleet = values.some((v, k) => v > inputs[k]!.run.devices) || distinct(values).length === 1;
  const targeted = wholeFleet ? Math.max(...values) : values.reduce((a, b) => a + b, 0);
  if (opts.targeted === undefined && inputs.length > 1) {
    notes.push(
      wholeFleet
        ? `Rollout: each input had its own server seeded with the whole fleet, so each targeted the same ${targeted} devices (${values.join(', ')}): counted once. Their batch counts include devices of other inputs that never polled them.`
        : `Rollout: each input had its own server that targeted only its own devices (${values.join(' + ')}): summed.`,
    );
  }
  const batches = inputs.flatMap((s, k) =>
    (s.rollout?.batches ?? []).map((b) => ({
      ...b,
      name: inputs.length > 1 ? `${labels[k]}: ${b.name}` : b.name,
    })),
  );
  // servers seeded with the whole fleet still hold the other inputs' tasks as live: their live
  // counts say nothing about pending tasks of this fleet
  return { targeted: opts.targeted ?? targeted, batches, ...(wholeFleet ? { serverPending: false } : {}) };
}

function inputNotes(inputs: readonly RunSummary[], labels: readonly string[]): string[] {
  const keep = (n: string) => !REGENERATED_NOTES.some((r) => n.startsWith(r));
  const everywhere = (n: string) => inputs.every((s) => s.notes.includes(n));
  const out: string[] = [];
  inputs.forEach((s, k) => {
    for (const n of s.notes.filter(keep)) out.push(everywhere(n) ? n : `[${labels[k]}] ${n}`);
  });
  return distinct(out);
}

function mergedShard(inputs: readonly RunSummary[], notes: string[]): RunMeta['run']['shard'] {
  const count = inputs[0]!.run.shard?.count ?? 1;
  const have = distinct(inputs.map((s) => s.run.shard?.index ?? 1)).sort((a, b) => a - b);
  if (count === 1 || have.length === count) return { index: 1, count: 1 };
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.includes(i));
  notes.push(
    `Covers shards ${have.join(', ')} of ${count}: the devices of shard ${missing.join(', ')} did not run.`,
  );
  return undefined;
}

/**
 * Merges summaries of runs over disjoint parts of one fleet into the summary of the whole run
 * (pure; inputs unchanged). Throws OtaFleetError('ERR_USAGE') when there is no input, or when the
 * inputs are not parts of one run (scenario, seed, schema version, shards) and `force` is not set.
 */
export function mergeSummaries(inputs: readonly RunSummary[], opts: MergeOptions = {}): FreshSummary {
  if (inputs.length === 0)
    throw new OtaFleetError('ERR_USAGE', 'nothing to merge: give at least one summary');
  const labels = labelsOf(inputs, opts.labels);
  const problems = mergeProblems(inputs, labels);
  if (problems.length > 0 && !opts.force) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `these summaries are not parts of one run:\n${problems.map((p) => `  ${p}`).join('\n')}\n(--force merges them anyway)`,
    );
  }
  const notes = [
    ...(opts.notes ?? []),
    `Merged from ${inputs.length} run${inputs.length === 1 ? '' : 's'} (${labels.join(', ')}).`,
    ...problems.map((p) => `Merged with --force although ${p}.`),
  ];
  const { points, approximated } = mergeTimeseries(inputs);
  if (approximated) notes.push(APPROXIMATE_SERIES_NOTE);
  const rollout = mergeRollout(inputs, labels, opts, notes);
  const shard = mergedShard(inputs, notes);
  if (inputs.some((s) => s.thresholds !== undefined || s.comparison !== undefined))
    notes.push(
      'Thresholds and baseline comparisons of the inputs are not carried over: judge the merged run.',
    );
  const tools = distinct(inputs.map((s) => `${s.tool.name} ${s.tool.version}`));
  if (tools.length > 1) notes.push(`The inputs were written by ${tools.join(', ')}.`);
  notes.push(...inputNotes(inputs, labels));

  const series = new TimeSeries();
  for (const p of points) Object.assign(series.point(p.t), p);
  const startedAtMs = Math.min(...inputs.map((s) => Date.parse(s.run.startedAt)));
  const partialReasons = distinct(
    inputs.flatMap((s) => (s.run.partial ? [s.run.partialReason ?? 'partial'] : [])),
  );
  if (opts.partialReason !== undefined) partialReasons.unshift(opts.partialReason);
  const endReasons = distinct(inputs.flatMap((s) => (s.run.endReason ? [s.run.endReason] : [])));
  const first = inputs[0]!;
  const summary = buildSummary(
    {
      startedAtMs,
      counters: sumCounters(inputs),
      histograms: mergeHistograms(inputs),
      series,
      errorSamples: mergeErrorSamples(...inputs.map((s) => s.errorSamples)),
    },
    {
      ...(tools.length === 1 ? { tool: first.tool } : {}),
      scenario: opts.scenario ?? first.scenario,
      run: {
        seed: first.run.seed,
        target: opts.target ?? {
          ...first.run.target,
          embedded: inputs.every((s) => s.run.target.embedded),
          url: distinct(inputs.map((s) => s.run.target.url)).join(' '),
        },
        ...(shard !== undefined ? { shard } : {}),
        workers: inputs.reduce((n, s) => n + s.run.workers, 0),
        devices: inputs.reduce((n, s) => n + s.run.devices, 0),
        startedAtMs,
        endedAtMs: Math.max(...inputs.map((s) => Date.parse(s.run.endedAt))),
        ...(endReasons.length > 0 ? { endReason: endReasons.join(', ') } : {}),
      },
      ...(partialReasons.length > 0
        ? { partial: true, partialReason: distinct(partialReasons).join(', ') }
        : {}),
      ...(rollout !== undefined ? { rollout } : {}),
      notes,
    },
  );
  summary.notes = distinct(summary.notes);
  return summary;
}
