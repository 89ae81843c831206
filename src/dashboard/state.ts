/**
 * The live state the dashboard page draws, built on the main thread from the run observer once a
 * second: the per-second series so far, the distributions of each call, the thresholds judged on the
 * metrics so far, and at the end the verdict and the report link. Plain JSON, sent as one SSE event.
 */
import { observe, thresholdResult } from '../compare/evaluate.ts';
import { metricDataSoFar } from '../compare/metric-data.ts';
import type { RunSnapshot, RunStart } from '../engine/observer.ts';
import type { LiveStats } from '../metrics/aggregator.ts';
import { decodeHistogram } from '../metrics/hdr.ts';
import type { ThresholdResult } from '../metrics/run-summary.ts';
import type { Threshold } from '../metrics/threshold-spec.ts';
import type { TimePoint } from '../metrics/timeseries.ts';
import { OTA_CALLS, type OtaCall } from '../ota/routes.ts';
import { formatThresholdObserved } from '../report/format.ts';
import { type ChartPlan, chartsBlock } from '../report/html-charts.ts';
import { type Distributions, distributionsFrom } from '../report/html-dist.ts';
import { type ChartView, isArrivalRate, rolloutMarkers, thresholdLines } from '../report/html-view.ts';
import type { RunSummary } from '../report/summary.ts';
import { verdictOf } from '../report/verdict.ts';
import type { Scenario } from '../scenario/schema.ts';

/** Where the run is. */
export type Phase = 'starting' | 'running' | 'stopping' | 'finished';

/** One threshold as the page shows it. */
export interface LiveThreshold {
  metric: string;
  expression: string;
  ok: boolean;
  observed: string;
}

/** One dashboard update (an SSE `state` event). */
export interface DashboardState {
  seq: number;
  phase: Phase;
  scenario: string;
  second: number;
  durationMs: number;
  devices: number;
  live?: LiveStats;
  timeseries: TimePoint[];
  rollout?: {
    targeted: number;
    convergence: { t: number; upgraded: number; failed: number; cancelled: number }[];
  };
  view: ChartView;
  thresholds: LiveThreshold[];
  verdict: { status: string; reasons: string[] };
  /** The chart sections' HTML (chartsBlock); the page replaces its sections when `sectionsKey` changes. */
  sections: string;
  sectionsKey: string;
  /** Set once the report is written: the URL (on this server) of report.html. */
  report?: string;
  stopReason?: string;
}

/** Seconds between two distribution computations mid-run (they read every call's histogram). */
const DIST_EVERY_SECONDS = 3;

/** Cumulative outcomes per second (the convergence curve) from the per-second series. */
function convergenceOf(ts: readonly TimePoint[]): NonNullable<DashboardState['rollout']>['convergence'] {
  const out = [{ t: 0, upgraded: 0, failed: 0, cancelled: 0 }];
  let u = 0;
  let f = 0;
  let c = 0;
  for (const p of ts) {
    u += p.upgraded;
    f += p.failed;
    c += p.cancelled;
    out.push({ t: p.t + 1, upgraded: u, failed: f, cancelled: c });
  }
  return out;
}

function liveResult(t: ThresholdResult): LiveThreshold {
  return { metric: t.metric, expression: t.expression, ok: t.ok, observed: formatThresholdObserved(t) };
}

/** Builds dashboard states from observer calls. */
export class DashboardModel {
  private seq = 0;
  private phase: Phase = 'starting';
  private start: RunStart | undefined;
  private last: RunSnapshot | undefined;
  private series: TimePoint[] = [];
  private distributions: Distributions = {};
  private distAt = Number.NEGATIVE_INFINITY;
  private thresholdResults: LiveThreshold[] = [];
  private verdict: DashboardState['verdict'] = { status: 'running', reasons: [] };
  private report: string | undefined;
  private stopReason: string | undefined;
  private finalLive: LiveStats | undefined;

  constructor(
    private readonly scenario: Scenario,
    private readonly thresholds: readonly Threshold[],
  ) {}

  onStart(run: RunStart): void {
    this.start = run;
    this.phase = 'running';
  }

  onSnapshot(s: RunSnapshot): void {
    this.last = s;
    this.series = s.soFar.series?.() ?? this.series;
    if (s.second - this.distAt >= DIST_EVERY_SECONDS) {
      this.distAt = s.second;
      this.distributions = distributionsFrom(this.callsWithData(), (m) => s.soFar.histograms.get(m));
    }
    if (this.thresholds.length > 0) {
      const data = metricDataSoFar(s.soFar, s.soFar.startedAtMs + s.second * 1000);
      this.thresholdResults = this.thresholds.map((t) => liveResult(thresholdResult(t, observe(t, data))));
      const failed = this.thresholdResults.filter((t) => !t.ok).length;
      this.verdict =
        failed > 0
          ? { status: 'failing', reasons: [`${failed} of ${this.thresholds.length} thresholds fail so far`] }
          : { status: 'passing', reasons: [`all ${this.thresholds.length} thresholds hold so far`] };
    }
  }

  onStopping(reason: string): void {
    this.phase = 'stopping';
    this.stopReason = reason;
  }

  /** The run's final summary (thresholds judged) and where its report is served. */
  finished(summary: RunSummary, reportUrl: string | undefined): void {
    this.phase = 'finished';
    this.series = summary.timeseries;
    const calls = this.callsWithData();
    const h = summary.histograms;
    this.distributions = distributionsFrom(calls, (m) =>
      h[m] === undefined ? undefined : decodeHistogram(h[m]),
    );
    if (summary.thresholds !== undefined) {
      this.thresholdResults = summary.thresholds.map(liveResult);
    }
    // the figures of the whole run, not of the last second's snapshot
    const t = summary.totals;
    const check = summary.calls.check;
    const base = this.last?.live;
    if (base !== undefined) {
      const final: LiveStats = {
        ...base,
        requests: t.requests,
        rps: Math.round(t.rps),
        errorRate: t.errorRate,
        upgraded: summary.rollout?.upgraded ?? base.upgraded,
        devicesActive: 0,
      };
      if (check !== undefined && check.count > 0) final.checkP99Ms = check.latency.p99 / 1000;
      this.finalLive = final;
    }
    const v = verdictOf(summary);
    this.verdict = { status: v.status, reasons: v.reasons };
    this.report = reportUrl;
  }

  private callsWithData(): OtaCall[] {
    return OTA_CALLS.filter((c) => this.series.some((p) => (p.calls[c]?.count ?? 0) > 0));
  }

  /** The next state to send. */
  state(): DashboardState {
    const calls = this.callsWithData();
    const targeted = this.last?.soFar.counters['devices_with_task'] ?? 0;
    const ts = this.series;
    const view: ChartView = {
      distributions: this.distributions,
      thresholdLines: thresholdLines(
        this.thresholdResults.length > 0 ? this.thresholdResults : this.thresholdTexts(),
      ),
      markers: rolloutMarkers(this.scenario),
      arrivalRate: isArrivalRate(this.scenario),
    };
    const plan: ChartPlan = {
      calls,
      rollout: this.scenario.rollout !== undefined,
      targeted,
      hasSeries: ts.length > 0,
      hasErrors: ts.some((p) => Object.keys(p.errorsByCode).length > 0),
      hasStatus: ts.some((p) => Object.keys(p.errorsByStatus ?? {}).length > 0),
      hasErrno: ts.some((p) => Object.keys(p.errorsByErrno ?? {}).length > 0),
      arrivalRate: view.arrivalRate,
      distributions: Object.keys(this.distributions).length > 0,
    };
    const key = JSON.stringify({ ...plan, targeted: targeted > 0 });
    const state: DashboardState = {
      seq: ++this.seq,
      phase: this.phase,
      scenario: this.scenario.name,
      second: this.last?.second ?? 0,
      durationMs: this.start?.durationMs ?? this.scenario.stop.duration,
      devices: this.start?.devices ?? this.scenario.fleet.count,
      timeseries: ts,
      view,
      thresholds: this.thresholdResults,
      verdict: this.verdict,
      sectionsKey: key,
      sections: chartsBlock(plan),
    };
    const live = this.finalLive ?? this.last?.live;
    if (live !== undefined) state.live = live;
    if (plan.rollout) state.rollout = { targeted, convergence: convergenceOf(ts) };
    if (this.report !== undefined) state.report = this.report;
    if (this.stopReason !== undefined) state.stopReason = this.stopReason;
    return state;
  }

  private thresholdTexts() {
    return Object.entries(this.scenario.thresholds ?? {}).flatMap(([metric, exprs]) =>
      exprs.map((expression) => ({ metric, expression })),
    );
  }
}
