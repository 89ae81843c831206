/**
 * Bench subject: runs ota-fleet's engine in this process and prints one JSON
 * line: requests, req/s, bytes, the CPU this process (main + worker threads) spent while devices ran,
 * and its RSS at `rssAtMs` after the start. Usage: generator-child.ts '{"scenario": {...}, "measure", "rssAtMs"}'
 */
import pino from 'pino';
import { runScenario } from '../src/engine/run.ts';
import { scenarioSchema } from '../src/scenario/schema.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as {
  scenario: unknown;
  measure?: boolean;
  rssAtMs?: number;
  workers?: number;
};
const scenario = scenarioSchema.parse(opts.scenario);
let first: { cpu: NodeJS.CpuUsage; requests: number; at: number } | undefined;
let last: { cpu: NodeJS.CpuUsage; requests: number; at: number } | undefined;
let rss = 0;
let rssDevices = 0;
const t0 = Date.now();
const { summary } = await runScenario({
  scenario,
  scenarioFile: 'bench',
  scenarioSource: JSON.stringify(opts.scenario),
  log: pino({ level: 'silent' }),
  measure: opts.measure ?? true,
  ...(opts.workers ? { workers: opts.workers } : {}),
  onTick: (live) => {
    const now = { cpu: process.cpuUsage(), requests: live.requests, at: Date.now() };
    if (!first && live.requests > 0) first = now;
    last = now;
    if (opts.rssAtMs && !rss && Date.now() - t0 >= opts.rssAtMs) {
      rss = process.memoryUsage().rss;
      rssDevices = live.devicesActive;
    }
  },
});
const cpuMicros = first && last ? last.cpu.user + last.cpu.system - (first.cpu.user + first.cpu.system) : 0;
const windowRequests = first && last ? last.requests - first.requests : 0;
const windowSec = first && last ? (last.at - first.at) / 1000 : 0;
process.stdout.write(
  `${JSON.stringify({
    requests: summary.totals.requests,
    failed: summary.totals.failedRequests,
    rps: windowSec > 0 ? windowRequests / windowSec : summary.totals.rps,
    windowRequests,
    cpuMicros,
    bytes: summary.totals.bytes,
    timeseries: summary.timeseries.map((p) => p.bytes),
    rss,
    rssDevices,
    errors: summary.errors.slice(0, 5),
  })}\n`,
);
