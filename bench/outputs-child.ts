/**
 * One measured run of `bench/outputs.ts` (a child process, so its CPU time is its own): runs the
 * scenario file with or without the live outputs through the CLI's run handler and prints one JSON line
 * with requests and process CPU time (main thread and workers).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommandHandler } from '../src/cli/run.ts';
import type { RunObserver } from '../src/engine/observer.ts';

const arg = JSON.parse(process.argv[2] ?? '{}') as { scenario: string; outputs: boolean };
const dir = mkdtempSync(join(tmpdir(), 'ota-fleet-bench-outputs-'));
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
    ...(arg.outputs
      ? {
          metricsListen: '127.0.0.1:0',
          outputs: [{ kind: 'ndjson' as const, target: join(dir, 'live.ndjson') }],
        }
      : {}),
  },
  { observers: [window] },
);
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ requests: summary.totals.requests, rps: summary.totals.rps, cpuMicros: cpu.user + cpu.system })}\n`,
);
