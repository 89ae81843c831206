/**
 * One measured run of `bench/outputs.ts` (a child process, so its CPU time is its own): runs the
 * scenario with or without the live outputs (a Prometheus endpoint and an NDJSON file, as
 * `--metrics-listen` and `--out ndjson=FILE` start them) and prints one JSON line: requests, the
 * process CPU time of the run (main thread and workers), and the time spent inside the outputs
 * (their observer calls and the rendering of each scrape), measured directly.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCommandHandler } from '../src/cli/run.ts';
import type { RunObserver } from '../src/engine/observer.ts';
import { openNdjsonOutput } from '../src/outputs/ndjson.ts';
import { startPrometheusOutput } from '../src/outputs/prometheus.ts';

const arg = JSON.parse(process.argv[2] ?? '{}') as { scenario: string; outputs: boolean };
const dir = mkdtempSync(join(tmpdir(), 'ota-fleet-bench-outputs-'));

let insideMs = 0;
// wall time of rendering a scrape (async: an upper bound of its CPU time)
let renderMs = 0;
/** The observer with each call timed. */
function timed(ob: RunObserver): RunObserver {
  const wrap =
    <A>(f: ((a: A) => void) | undefined) =>
    (a: A) => {
      const t0 = performance.now();
      f?.call(ob, a);
      insideMs += performance.now() - t0;
    };
  return { onSnapshot: wrap(ob.onSnapshot), onFinish: wrap(ob.onFinish) };
}

const observers: RunObserver[] = [];
const closers: (() => unknown)[] = [];
if (arg.outputs) {
  const prom = await startPrometheusOutput({ host: '127.0.0.1', port: 0 });
  const render = prom.metrics.registry.metrics.bind(prom.metrics.registry);
  prom.metrics.registry.metrics = async () => {
    const t0 = performance.now();
    const text = await render();
    renderMs += performance.now() - t0;
    return text;
  };
  process.stderr.write(`Metrics: ${prom.url}\n`);
  const nd = openNdjsonOutput(join(dir, 'live.ndjson'));
  observers.push(timed(prom.observer), timed(nd.observer));
  closers.push(
    () => prom.close(),
    () => nd.close(),
  );
}
// CPU of the run itself (onStart → onFinish): not the loading, compiling and report writing around it
let cpu0 = process.cpuUsage();
let cpu = cpu0;
const window: RunObserver = {
  onStart: () => {
    cpu0 = process.cpuUsage();
  },
  onFinish: () => {
    cpu = process.cpuUsage(cpu0);
  },
};
const { summary } = await runCommandHandler(
  {
    scenario: arg.scenario,
    out: join(dir, 'reports'),
    quiet: true,
    logLevel: 'warn',
    wasm: true,
    force: false,
    workers: 1,
  },
  { observers: [...observers, window] },
);
for (const c of closers) await c();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ requests: summary.totals.requests, rps: summary.totals.rps, cpuMicros: cpu.user + cpu.system, insideMicros: insideMs * 1000, renderMicros: renderMs * 1000 })}\n`,
);
