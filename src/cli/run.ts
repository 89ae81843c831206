/** `ota-fleet run [SCENARIO]`: runs a scenario and writes its report (thin: parsing, progress, files). */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { type Dashboard, startDashboard } from '../dashboard/server.ts';
import { type ChildEventSink, openChildEvents } from '../engine/child-events.ts';
import { listenForControl } from '../engine/children.ts';
import type { RunObserver } from '../engine/observer.ts';
import { runProcesses } from '../engine/processes.ts';
import { runScenario } from '../engine/run.ts';
import { errorCodeOf, OtaFleetError } from '../error-codes.ts';
import { parseThresholds } from '../metrics/threshold-spec.ts';
import { type OutputSpec, parseOutFlags, startRunOutputs } from '../outputs/outputs.ts';
import { renderText } from '../report/render-text.ts';
import type { RunSummary } from '../report/summary.ts';
import { reportDirName, writeReport } from '../report/write.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/units.ts';
import type { Command } from './command.ts';
import { type PolicyArgs, prepareRunGate, withPolicyOptions } from './compare.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { interruptSignal, noteInterrupt, setInterruptMessage } from './interrupt.ts';
import { createRunLogger } from './logger.ts';
import { refusedMessage, runExitCode } from './outcome.ts';
import { planCutWarnings } from './plan-warning.ts';
import { createProgress } from './progress.ts';

/** Flags of `ota-fleet run`. */
export interface RunArgs extends PolicyArgs {
  scenario: string;
  /** Baseline summary.json or report folder to compare this run with. */
  baseline?: string;
  out: string;
  /** Typed outputs from `--out ndjson=FILE` (the plain `--out` value stays the report folder). */
  outputs?: readonly OutputSpec[];
  /** `--metrics-listen [HOST:]PORT`: serve Prometheus metrics at /metrics while the run lasts. */
  metricsListen?: string;
  workers?: number;
  duration?: string;
  devices?: number;
  shard?: string;
  processes?: number;
  processesServer?: 'shared' | 'per-process';
  quiet: boolean;
  logLevel: string;
  wasm: boolean;
  /** Second 0 of the run: an ISO time, `+30s` (from now) or epoch ms (--processes children). */
  startAt?: string | number;
  /** Hidden, set by --processes: read stop/interrupt lines from the parent on stdin. */
  controlStdin?: boolean;
  /** Hidden, set by --processes: the fd of the events pipe to the parent (child-events.ts). */
  eventsFd?: number;
  /** `--dashboard [HOST:]PORT`: serve the live dashboard there (loopback by default; 0 picks a port). */
  dashboard?: string;
}

/** Parses `--shard i/n`. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || index < 1 || count < 1 || index > count) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `--shard must be i/n with 1 <= i <= n (got ${JSON.stringify(text)})`,
    );
  }
  return { index, count };
}

/**
 * Parses `--start-at`: an absolute ISO 8601 time with a zone (`2026-12-04T20:00:00Z`), `+DURATION`
 * from `nowMs` (`+30s`), or epoch milliseconds; returns epoch ms. Throws ERR_USAGE otherwise.
 */
export function parseStartAt(value: string | number, nowMs: number): number {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  if (text.startsWith('+')) {
    const ms = parseDuration(text.slice(1));
    if (ms !== undefined) return nowMs + ms;
  } else if (/^\d{4}-\d{2}-\d{2}T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) && !Number.isNaN(Date.parse(text))) {
    return Date.parse(text);
  }
  throw new OtaFleetError(
    'ERR_USAGE',
    `--start-at must be an ISO time with a zone (2026-12-04T20:00:00Z) or +DURATION (+30s) (got ${JSON.stringify(text)})`,
  );
}

/** Applies command-line overrides to a validated scenario (never mutating it). */
export function applyOverrides(s: Scenario, args: Pick<RunArgs, 'duration' | 'devices'>): Scenario {
  const out: Scenario = { ...s, fleet: { ...s.fleet }, stop: { ...s.stop } };
  if (args.duration !== undefined) {
    const ms = parseDuration(args.duration);
    if (ms === undefined || ms <= 0)
      throw new OtaFleetError(
        'ERR_USAGE',
        `--duration must be like 30s or 2m (got ${JSON.stringify(args.duration)})`,
      );
    out.stop.duration = ms;
  }
  if (args.devices !== undefined) {
    if (!Number.isInteger(args.devices) || args.devices < 1)
      throw new OtaFleetError('ERR_USAGE', `--devices must be a positive integer (got ${args.devices})`);
    out.fleet.count = args.devices;
  }
  return out;
}

/** What one `ota-fleet run` did: its report folder and the exit code its summary calls for. */
export interface RunCommandResult {
  dir: string;
  exitCode: ExitCodeValue;
  summary: RunSummary;
}

/** Options of `runCommandHandler` that are not flags. */
export interface RunCommandOptions {
  /** More run observers (tests, live outputs), beside the progress display and abortOnFail. */
  observers?: readonly RunObserver[];
  /** An output writes to stdout (`--out ndjson=-`): the end-of-run table goes to stderr. */
  stdoutTaken?: boolean;
  /** Called once the `--dashboard` server listens (tests read its URL). */
  onDashboard?: (dashboard: Dashboard) => void;
}

/** The `--dashboard` server of one run command, closed when the command ends. */
interface DashboardSlot {
  dashboard?: Dashboard;
}

/**
 * Runs the scenario, writes the report into `out/<scenario>-<time>/`, prints the summary; returns the
 * report dir and the exit code. A `--processes` child (`--events-fd`) also reports a failure as one
 * structured line on its events pipe before throwing it.
 */
export async function runCommandHandler(args: RunArgs, o: RunCommandOptions = {}): Promise<RunCommandResult> {
  const events = args.eventsFd !== undefined ? openChildEvents(args.eventsFd) : undefined;
  let outputs: Awaited<ReturnType<typeof startRunOutputs>> | undefined;
  const slot: DashboardSlot = {};
  try {
    outputs = await startRunOutputs({ metricsListen: args.metricsListen, outputs: args.outputs });
    if (outputs.metricsUrl !== undefined) process.stderr.write(`Metrics: ${outputs.metricsUrl}\n`);
    const observers = [...(o.observers ?? []), ...outputs.observers];
    return await runAndReport(args, { ...o, observers, stdoutTaken: outputs.stdoutTaken }, events, slot);
  } catch (err) {
    events?.send({
      event: 'error',
      code: errorCodeOf(err),
      message: err instanceof Error ? err.message : String(err),
    });
    throw err;
  } finally {
    await outputs?.close();
    await slot.dashboard?.close();
    await events?.close();
  }
}

async function runAndReport(
  args: RunArgs,
  o: RunCommandOptions,
  events: ChildEventSink | undefined,
  slot: DashboardSlot,
): Promise<RunCommandResult> {
  const file = resolve(args.scenario);
  const loaded = await loadScenario(file);
  if (!loaded.ok) {
    throw new OtaFleetError(
      'ERR_SCENARIO_INVALID',
      `${file} is invalid:\n${loaded.problems.map(formatProblem).join('\n')}`,
    );
  }
  for (const w of loaded.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
  const scenario = applyOverrides(loaded.scenario, args);
  // a child of --processes: its parent warned once already
  if (args.duration !== undefined && args.controlStdin !== true)
    for (const w of planCutWarnings(scenario, scenario.stop.duration))
      process.stderr.write(`warning: ${w}\n`);
  const shard = args.shard ? parseShard(args.shard) : undefined;
  const startAtMs = args.startAt !== undefined ? parseStartAt(args.startAt, Date.now()) : undefined;
  const gate = await prepareRunGate(scenario, args);
  const progress = createProgress({ quiet: args.quiet, durationMs: scenario.stop.duration });
  const dashboard =
    args.dashboard === undefined ? undefined : await openDashboard(args.dashboard, scenario, o);
  slot.dashboard = dashboard;
  if (dashboard) o = { ...o, observers: [...(o.observers ?? []), dashboard.observer] };
  if (args.processes !== undefined && args.processes > 1) {
    if (shard) throw new OtaFleetError('ERR_USAGE', '--processes and --shard do not go together');
    if (startAtMs !== undefined)
      throw new OtaFleetError(
        'ERR_USAGE',
        '--processes and --start-at do not go together (--processes starts its processes on one clock itself)',
      );
    // abortOnFail does not apply across processes: the thresholds judge the merged report at the end
    return runInProcesses(
      args,
      file,
      gate,
      [interruptNotice, progress, ...(o.observers ?? [])],
      o,
      dashboard,
    );
  }
  const observers = [interruptNotice, progress, ...(gate.abort ? [gate.abort] : []), ...(o.observers ?? [])];
  const dir = join(
    resolve(args.out),
    reportDirName(scenario.name + (shard ? `-shard${shard.index}of${shard.count}` : ''), new Date()),
  );
  mkdirSync(dir, { recursive: true });
  const log = createRunLogger(join(dir, 'run.log'), args.logLevel);
  setInterruptMessage('stopping; writing a partial report');
  const stop = new AbortController();
  const unlisten = args.controlStdin
    ? listenForControl(process.stdin, {
        stop: (reason) => stop.abort(reason),
        interrupt: () => noteInterrupt('interrupt from the parent process'),
      })
    : undefined;
  const stream: RunObserver[] = events
    ? [
        {
          onSnapshot: (s) => {
            for (const i of s.intervals)
              events.send({ event: 'snapshot', source: i.source, snapshot: i.snapshot });
          },
        },
      ]
    : [];
  let summary: RunSummary;
  try {
    ({ summary } = await runScenario({
      scenario,
      scenarioFile: file,
      scenarioSource: loaded.source,
      ...(loaded.deviceKeys ? { deviceKeys: loaded.deviceKeys } : {}),
      ...(args.workers ? { workers: args.workers } : {}),
      ...(shard ? { shard } : {}),
      signal: interruptSignal,
      stopSignal: stop.signal,
      ...(startAtMs !== undefined ? { startAtMs } : {}),
      // a --processes child catches up with its parent's clock, however late it is ready
      ...(args.controlStdin ? { lateStartToleranceMs: Number.POSITIVE_INFINITY } : {}),
      observers: [...observers, ...stream],
      log,
      wasm: args.wasm,
    }));
  } finally {
    unlisten?.();
  }
  const exitCode = await finishRun(summary, dir, gate, o.stdoutTaken, dashboard);
  log.flush();
  return { dir, exitCode, summary };
}

/** What a Ctrl-C says once the run has stopped by itself: the report it writes is complete. */
const interruptNotice: RunObserver = {
  onStopping: ({ reason, partial }) => {
    if (!partial)
      setInterruptMessage(`the run has already ended (${reason}); finishing and writing its complete report`);
  },
};

/** Starts the `--dashboard` server and prints its URL. */
async function openDashboard(listen: string, scenario: Scenario, o: RunCommandOptions): Promise<Dashboard> {
  const dashboard = await startDashboard({
    listen,
    scenario,
    thresholds: parseThresholds(scenario.thresholds ?? {}).thresholds,
  });
  process.stderr.write(`Dashboard: ${dashboard.url}\n`);
  o.onDashboard?.(dashboard);
  return dashboard;
}

/** Judges thresholds and baseline, writes the report, prints the summary; returns the run's exit code. */
async function finishRun(
  summary: RunSummary,
  dir: string,
  gate: RunGate,
  stdoutTaken = false,
  dashboard?: Dashboard,
): Promise<ExitCodeValue> {
  // the run has ended: a Ctrl-C from here on cuts nothing
  setInterruptMessage(
    summary.run.partial
      ? 'the run has already stopped; writing its partial report'
      : 'the run has already ended; writing its complete report',
  );
  gate.finish(summary);
  const written = await writeReport(summary, dir);
  dashboard?.finished(summary, written.files.html);
  const print = stdoutTaken ? process.stderr : process.stdout;
  print.write(`${renderText(summary)}\n`);
  print.write(`Report: ${written.files.html}\n        ${written.files.summary}\n`);
  const exitCode = runExitCode(summary);
  if (exitCode === ExitCode.TARGET_REFUSED)
    process.stderr.write(`ota-fleet: ERR_TARGET_REFUSED: ${refusedMessage(summary)}\n`);
  return exitCode;
}

type RunGate = Awaited<ReturnType<typeof prepareRunGate>>;

/** `--processes N`: N child processes run equal shards, merged into one report (thresholds and baseline on the merge). */
async function runInProcesses(
  args: RunArgs,
  file: string,
  gate: RunGate,
  observers: readonly RunObserver[],
  o: RunCommandOptions,
  dashboard?: Dashboard,
): Promise<RunCommandResult> {
  if (!Number.isInteger(args.processes) || args.processes! < 1) {
    throw new OtaFleetError('ERR_USAGE', `--processes must be a positive integer (got ${args.processes})`);
  }
  setInterruptMessage('stopping every process; writing a partial report');
  const { summary, dir } = await runProcesses({
    scenarioFile: file,
    processes: args.processes!,
    out: args.out,
    ...(args.workers ? { workers: args.workers } : {}),
    ...(args.duration !== undefined ? { duration: args.duration } : {}),
    ...(args.devices !== undefined ? { devices: args.devices } : {}),
    wasm: args.wasm,
    logLevel: args.logLevel,
    ...(args.processesServer ? { server: args.processesServer } : {}),
    signal: interruptSignal,
    observers,
  });
  const exitCode = await finishRun(summary, dir, gate, o.stdoutTaken, dashboard);
  return { dir, exitCode, summary };
}

/** The yargs module of `ota-fleet run`. */
export const runCommand: Command<RunArgs> = {
  command: 'run [scenario]',
  describe: 'Run a scenario against its target and write a report',
  builder: (y: Argv) =>
    withPolicyOptions(y)
      .positional('scenario', {
        type: 'string',
        default: 'scenarios/quickstart.yaml',
        describe: 'Scenario file (YAML or JSON)',
      })
      .option('out', {
        type: 'string',
        default: 'reports',
        describe:
          'Folder that receives <scenario>-<time>/; or a live output, repeatable: ndjson=FILE (one JSON line a second, - is stdout: the table then goes to stderr)',
      })
      .option('metrics-listen', {
        type: 'string',
        describe:
          'Serve Prometheus metrics at http://[HOST:]PORT/metrics while the run lasts (loopback by default; 0 picks a port)',
      })
      .option('workers', { type: 'number', describe: 'Worker threads (default: number of cores)' })
      .option('duration', { type: 'string', describe: 'Override stop.duration, e.g. 30s' })
      .option('devices', { type: 'number', describe: 'Override fleet.count' })
      .option('shard', {
        type: 'string',
        describe: 'Run only slice i of n of the fleet, e.g. 2/4 (merge reports later)',
      })
      .option('processes', {
        type: 'number',
        describe:
          'Split the fleet over N local processes (each its own open-files limit), merged into one report',
      })
      .option('processes-server', {
        choices: ['shared', 'per-process'] as const,
        describe: 'With --processes and an embedded target: one server for all (default) or one per process',
      })
      .option('start-at', {
        type: 'string',
        describe:
          'Start at this time (ISO with zone, or +30s): shards on one clock; a late start starts at once, noted in the report',
      })
      .option('control-stdin', {
        type: 'boolean',
        hidden: true,
        describe: 'Read stop/interrupt lines on stdin',
      })
      .option('events-fd', {
        type: 'number',
        hidden: true,
        describe: 'Stream snapshots and a failure as JSON lines to this fd (--processes children)',
      })
      .option('dashboard', {
        type: 'string',
        describe:
          'Serve a live dashboard at [HOST:]PORT while the run lasts (loopback by default; 0 picks a port)',
      })
      .option('quiet', { type: 'boolean', default: false, describe: 'No progress output' })
      .option('log-level', {
        type: 'string',
        default: 'info',
        choices: ['trace', 'debug', 'info', 'warn', 'error'],
        describe: 'Level of run.log',
      })
      .option('baseline', {
        type: 'string',
        describe: 'Compare with this baseline run (summary.json or report folder); exit 6 on a regression',
      })
      .option('wasm', {
        type: 'boolean',
        default: true,
        describe: 'Record histograms with the WASM build of hdr-histogram-js (--no-wasm: JS)',
      })
      .example('$0 run', 'the quickstart rollout on the embedded server')
      .example('$0 run scenarios/capacity.yaml --duration 30s', 'a shorter capacity run')
      .example(
        '$0 run --metrics-listen 9464 --out ndjson=-',
        'watch live: Prometheus at :9464/metrics, NDJSON on stdout',
      )
      .example(
        '$0 run scenarios/ci-gate.yaml --baseline reports/baselines/ci-gate',
        'run, then compare with the committed baseline',
      ) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    const { dir, outputs } = parseOutFlags(argv.out as string | string[] | undefined);
    return (await runCommandHandler({ ...argv, out: dir, outputs })).exitCode;
  },
};
