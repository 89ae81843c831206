/** `ota-fleet run [SCENARIO]`: runs a scenario and writes its report (thin: parsing, progress, files). */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { listenForControl } from '../engine/children.ts';
import { runProcesses } from '../engine/processes.ts';
import { runScenario } from '../engine/run.ts';
import { OtaFleetError } from '../error-codes.ts';
import { renderText } from '../report/render-text.ts';
import type { RunSummary } from '../report/summary.ts';
import { reportDirName, writeReport } from '../report/write.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/units.ts';
import { type PolicyArgs, prepareRunGate, withPolicyOptions } from './compare.ts';
import { ExitCode, setOutcome } from './exit-codes.ts';
import { interruptSignal, noteInterrupt, setInterruptMessage } from './interrupt.ts';
import { createRunLogger } from './logger.ts';
import { createProgress } from './progress.ts';

/** Flags of `ota-fleet run`. */
export interface RunArgs extends PolicyArgs {
  scenario: string;
  /** Baseline summary.json or report folder to compare this run with. */
  baseline?: string;
  out: string;
  workers?: number;
  duration?: string;
  devices?: number;
  shard?: string;
  processes?: number;
  processesServer?: 'shared' | 'per-process';
  quiet: boolean;
  logLevel: string;
  wasm: boolean;
  /** Hidden, set by --processes: second 0 of the run (epoch ms) and the parent's stdin control. */
  startAt?: number;
  controlStdin?: boolean;
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

/** Runs the scenario, writes the report into `out/<scenario>-<time>/`, prints the summary; returns the report dir. */
export async function runCommandHandler(args: RunArgs): Promise<string> {
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
  const shard = args.shard ? parseShard(args.shard) : undefined;
  const gate = await prepareRunGate(scenario, args);
  if (args.processes !== undefined && args.processes > 1) {
    if (shard) throw new OtaFleetError('ERR_USAGE', '--processes and --shard do not go together');
    return runInProcesses(args, file, gate);
  }
  const dir = join(
    resolve(args.out),
    reportDirName(scenario.name + (shard ? `-shard${shard.index}of${shard.count}` : ''), new Date()),
  );
  mkdirSync(dir, { recursive: true });
  const log = createRunLogger(join(dir, 'run.log'), args.logLevel);
  setInterruptMessage('stopping; writing a partial report');
  const progress = createProgress({
    quiet: args.quiet,
    total: scenario.fleet.count,
    durationMs: scenario.stop.duration,
  });
  const stop = new AbortController();
  const unlisten = args.controlStdin
    ? listenForControl(process.stdin, {
        stop: (reason) => stop.abort(reason),
        interrupt: () => noteInterrupt('interrupt from the parent process'),
      })
    : undefined;
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
      ...(args.startAt !== undefined ? { startAtMs: args.startAt } : {}),
      onTick: (live) => progress.update(live),
      log,
      wasm: args.wasm,
      ...(gate.abort ? { abortCheck: gate.abort.check } : {}),
    }));
  } finally {
    progress.stop();
    unlisten?.();
  }
  await finishRun(summary, dir, gate);
  log.flush();
  return dir;
}

/** Judges thresholds and baseline, writes the report, prints the summary and sets the exit outcome. */
async function finishRun(summary: RunSummary, dir: string, gate: RunGate): Promise<void> {
  gate.finish(summary);
  const written = await writeReport(summary, dir);
  process.stdout.write(`${renderText(summary)}\n`);
  process.stdout.write(`Report: ${written.files.html}\n        ${written.files.summary}\n`);
  gate.setOutcomes(summary);
  if (summary.run.partial && summary.run.partialReason !== 'aborted-by-threshold')
    setOutcome(summary.run.partialReason === 'interrupted' ? ExitCode.INTERRUPTED : ExitCode.INTERNAL);
}

type RunGate = Awaited<ReturnType<typeof prepareRunGate>>;

/** `--processes N`: N child processes run equal shards, merged into one report (thresholds and baseline on the merge). */
async function runInProcesses(args: RunArgs, file: string, gate: RunGate): Promise<string> {
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
  });
  await finishRun(summary, dir, gate);
  return dir;
}

/** The yargs module of `ota-fleet run`. */
export const runCommand: CommandModule<object, RunArgs> = {
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
        describe: 'Folder that receives <scenario>-<time>/',
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
      .option('start-at', { type: 'number', hidden: true, describe: 'Second 0 of the run, epoch ms' })
      .option('control-stdin', {
        type: 'boolean',
        hidden: true,
        describe: 'Read stop/interrupt lines on stdin',
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
        '$0 run scenarios/ci-gate.yaml --baseline reports/baselines/ci-gate',
        'run, then compare with the committed baseline',
      ) as unknown as Argv<RunArgs>,
  handler: async (argv: ArgumentsCamelCase<RunArgs>) => {
    await runCommandHandler(argv);
  },
};
