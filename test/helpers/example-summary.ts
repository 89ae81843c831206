/**
 * A deterministic example run summary, produced by the real pipeline (worker recorders →
 * snapshots → aggregator.finish) from seeded synthetic traffic: 2 workers, 200 targeted devices,
 * 30 seconds. Used by report tests and, later, by the browser test of report.html.
 */
import { createAggregator } from '../../src/metrics/aggregator.ts';
import { createRecorder, type Recorder } from '../../src/metrics/recorder.ts';
import type { RunMeta, RunSummary } from '../../src/metrics/run-summary.ts';
import { mulberry32 } from '../../src/rng.ts';

/** Knobs of the example: which optional sections it has. */
export interface ExampleOptions {
  /** Include a rollout (200 targeted, 183 upgraded); default true. */
  rollout?: boolean;
  /** Mark the run partial (interrupted); default false. */
  partial?: boolean;
  /** Add thresholds, one of them failing; default false. */
  thresholds?: boolean;
  /** Run start, epoch ms; default 2026-01-02T03:04:05Z. */
  startedAtMs?: number;
}

/** Scenario text of the example; its description tries to break out of an inline <script>. */
export const EXAMPLE_SCENARIO_SOURCE = `name: example-rollout
description: "demo </script><script>window.__pwned = 1</script> & <b>bold</b>"
target: embedded
fleet:
  count: 200
`;

const SECONDS = 30;
const UPGRADED = 183;

/** Devices that finish upgrading in second `s` (an S-curve summing to UPGRADED over 30 s). */
function upgradesIn(s: number): number {
  const cum = (x: number) =>
    Math.round(UPGRADED / (1 + Math.exp(-(x - 8) / 2.5)) - UPGRADED / (1 + Math.exp(8 / 2.5)));
  const total = cum(SECONDS);
  const scale = UPGRADED / total;
  return Math.round(cum(s + 1) * scale) - Math.round(cum(s) * scale);
}

function traffic(r: Recorder, rnd: () => number, s: number, worker: number): void {
  for (let i = 0; i < 100; i++) {
    const micros = Math.round(2000 + 8000 * rnd() ** 3);
    if (i % 50 === 7) r.recordCall('check', micros, 'ERR_HTTP_STATUS', { status: 503 });
    else r.recordCall('check', micros);
  }
  for (let i = 0; i < 5; i++) {
    r.recordCall('download', 50_000 + Math.round(200_000 * rnd()));
    r.recordDuration('ota_download_ttfb', 1000 + Math.round(4000 * rnd()));
    r.count('ota_download_bytes', 256 * 1024);
  }
  r.recordCall('report-status', 3000 + Math.round(2000 * rnd()));
  if (s === 12 && worker === 0) r.recordCall('report-status', 4000, 'ERR_OTA_ERRNO', { errno: 17 });
  r.recordCall('report-version', 2500 + Math.round(1000 * rnd()));
}

function devices(r: Recorder, s: number, worker: number): void {
  const n = upgradesIn(s);
  const mine = worker === 0 ? Math.ceil(n / 2) : Math.floor(n / 2);
  for (let i = 0; i < mine; i++) {
    const from = i % 3 === 0 ? '1.0.0' : '1.1.0';
    r.count('devices_upgraded', 1, { profile: i % 4 === 0 ? 'flaky' : 'default', from });
    r.recordDuration('device_upgrade_duration', 3_000_000 + s * 250_000 + i * 10_000);
  }
  if (worker === 1 && s % 5 === 2)
    r.count('devices_failed', 1, { profile: 'flaky', from: '1.0.0', step: '-13' });
  if (worker === 0 && s === 20) r.count('devices_cancelled', 1, { profile: 'default', from: '1.1.0' });
  if (s === 0) {
    r.count('devices_booted', 100);
    r.count('devices_with_task', 100);
  }
  r.gauge('devices_active', Math.max(0, 100 - Math.round((100 * s) / SECONDS)));
}

function meta(options: ExampleOptions, startedAtMs: number): RunMeta {
  const m: RunMeta = {
    tool: { name: 'ota-fleet', version: '0.1.0' },
    scenario: { name: 'example-rollout', file: 'scenarios/example.yaml', source: EXAMPLE_SCENARIO_SOURCE },
    run: {
      id: 'run-example-0001',
      seed: 42,
      target: { url: 'http://127.0.0.1:40123', embedded: true, dialect: 'studio' },
      workers: 2,
      devices: 200,
      endedAtMs: startedAtMs + SECONDS * 1000,
      endReason: options.partial ? 'interrupted' : 'settled',
    },
    notes: ['Example run made of synthetic traffic.'],
  };
  if (options.partial) {
    m.partial = true;
    m.partialReason = 'interrupted';
  }
  if (options.rollout ?? true) {
    m.rollout = {
      targeted: 200,
      batches: [
        {
          name: 'wave-1',
          id: 'b-1',
          status: 'running',
          targeted: 200,
          counts: { succeeded: 183, failed: 6, cancelled: 1 },
        },
      ],
    };
  }
  if (options.thresholds) {
    m.thresholds = [
      { metric: 'ota_check_duration', expression: 'p(99) < 200ms', observed: 9.8, ok: true },
      { metric: 'errors', expression: 'rate < 0.01', observed: 0.02, ok: false },
    ];
  }
  return m;
}

/** Builds the example summary through recorders and the aggregator (deterministic given options). */
export function createExampleSummary(options: ExampleOptions = {}): RunSummary {
  const startedAtMs = options.startedAtMs ?? Date.UTC(2026, 0, 2, 3, 4, 5);
  const agg = createAggregator({ startedAtMs });
  const recorders = [0, 1].map((w) => createRecorder({ wasm: false, startMs: startedAtMs + w * 300 }));
  const rnd = mulberry32(42);
  for (let s = 0; s < SECONDS; s++) {
    recorders.forEach((r, w) => {
      traffic(r, rnd, s, w);
      if (options.rollout ?? true) devices(r, s, w);
      agg.add(r.snapshot(startedAtMs + (s + 1) * 1000 + w * 300), `w${w}`);
    });
  }
  for (const r of recorders) r.close();
  return agg.finish(meta(options, startedAtMs));
}
