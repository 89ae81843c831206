/**
 * `--processes N`: one fleet split over N child processes of the CLI on this machine (each has its
 * own open-files limit), all given one start time, their summaries merged exactly into one report.
 * With `target: embedded` the parent starts ONE reference server (prepareTarget), seeds the whole
 * fleet, plays the rollout script and tells the children when it has settled; the children reach the
 * server as a URL target, so the rollout is one rollout of one fleet. docs/report.md explains it.
 * Also the child side of the stdin control protocol (`ota-fleet run --control-stdin`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pino, { type Logger } from 'pino';
import { parseDocument } from 'yaml';
import { ERROR_CODES, type ErrorCode, OtaFleetError } from '../error-codes.ts';
import { shardRange } from '../load/fleet.ts';
import { type MergeOptions, mergeSummaries } from '../report/merge.ts';
import type { RunSummary } from '../report/summary.ts';
import { loadSummary, reportDirName, writeReport } from '../report/write.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/units.ts';
import { FD_RESERVE, openFilesLimit, socketsNeeded } from './fd-limit.ts';
import type { RolloutPlayer } from './rollout.ts';

type RolloutFacts = Awaited<ReturnType<RolloutPlayer['finish']>>;

import { type PreparedTarget, prepareTarget } from './target.ts';

/** Options of `runProcesses`; `duration`, `devices`, `workers` and `wasm` mean what `ota-fleet run`'s flags mean. */
export interface ProcessesOptions {
  scenarioFile: string;
  /** Child processes, 1 ≤ N ≤ fleet.count; each runs shard i/N of the fleet. */
  processes: number;
  /** Folder receiving `<scenario>-<time>/` (like `ota-fleet run --out`). */
  out: string;
  /** The report directory itself, instead of `out/<scenario>-<time>/`. */
  dir?: string;
  /** Worker threads per process (default: the engine's default for its shard). */
  workers?: number;
  duration?: string;
  devices?: number;
  wasm?: boolean;
  /** Level of each child's run.log; default `info`. */
  logLevel?: string;
  /**
   * `shared` (default): one embedded server for every process, started here. `per-process`: each
   * process starts its own, seeded with the whole fleet (for fleets whose connections one server
   * process cannot hold); the rollout then plays once per server. Ignored for URL targets.
   */
  server?: 'shared' | 'per-process';
  /** Ctrl-C: forwarded to every child, which writes a partial report; the merge is partial too. */
  signal?: AbortSignal;
  /** Parent's logger; default `<dir>/run.log`. */
  log?: Logger;
  /** ms from spawning the children to second 0 of the run (default 2 s + 0.5 s per process from source, half that compiled). */
  startDelayMs?: number;
}

/** The merged report: its summary (also written to `dir`) and directory. */
export interface ProcessesResult {
  summary: RunSummary;
  dir: string;
}

/** Lines a parent writes to the stdin of a child started with `--control-stdin`. */
export type ControlLine = `stop ${string}` | 'interrupt';

/**
 * Child side of the control protocol (called by `ota-fleet run --control-stdin`): `stop <reason>` ends
 * the run normally, `interrupt` or the end of stdin (the parent is gone) as interrupted; only the first
 * counts. Returns a function that stops listening.
 */
export function listenForControl(
  input: Readable,
  on: { stop(reason: string): void; interrupt(): void },
): () => void {
  let buffered = '';
  let done = false;
  const once = (f: () => void) => {
    if (done) return;
    done = true;
    f();
  };
  const onData = (chunk: Buffer | string) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines.map((l) => l.trim())) {
      if (line === 'interrupt') once(on.interrupt);
      else if (line.startsWith('stop')) once(() => on.stop(line.slice(4).trim() || 'stopped'));
    }
  };
  const onEnd = () => once(on.interrupt);
  input.on('data', onData);
  input.once('end', onEnd);
  input.once('error', onEnd);
  return () => {
    done = true;
    input.off('data', onData);
    input.off('end', onEnd);
    input.off('error', onEnd);
    input.destroy();
  };
}

interface Child {
  label: string;
  out: string;
  proc: ChildProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
  send(line: ControlLine): void;
}

const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** Exit codes of a child that wrote its report: ok, threshold failed, regression, interrupted. */
const CLEAN_EXITS = new Set<number | null>([0, 5, 6, 130]);
const TAIL = 8192;

/** `node [--import tsx] <cli>` for the running ota-fleet: src/cli.ts under tsx, else dist/cli.js. */
function cliArgv(): string[] {
  if (!FROM_SOURCE) return [fileURLToPath(new URL('../cli.js', import.meta.url))];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, fileURLToPath(new URL('../cli.ts', import.meta.url))];
}

function spawnChild(label: string, out: string, args: string[], log: Logger): Child {
  const proc = spawn(process.execPath, [...cliArgv(), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    // its own process group: a terminal's Ctrl-C reaches only the parent, which forwards it once
    detached: process.platform !== 'win32',
  });
  const child: Child = { label, out, proc, stderr: '', send: (line) => proc.stdin?.write(`${line}\n`) };
  proc.stdin?.on('error', () => {}); // a child that already exited: nothing to tell it
  proc.stdout?.resume();
  proc.stderr?.on('data', (chunk: Buffer) => {
    child.stderr = (child.stderr + chunk.toString()).slice(-TAIL);
  });
  proc.once('error', (err) => {
    // could not be spawned: count it as exited so the supervisor does not wait for it
    child.stderr += `\n${err.message}`;
    child.exit ??= { code: null, signal: null };
  });
  proc.once('exit', (code, signal) => {
    child.exit = { code, signal };
    log.info({ process: label, pid: proc.pid, code, signal }, 'process exited');
  });
  log.info({ process: label, pid: proc.pid }, 'process started');
  return child;
}

/** The scenario the children run against the shared server: a URL target with its product, no rollout. */
async function writeChildScenario(source: string, s: Scenario, target: PreparedTarget, dir: string) {
  const doc = parseDocument(source);
  doc.setIn(['target', 'url'], target.info.origin);
  doc.setIn(['product', 'id'], target.info.productId);
  doc.deleteIn(['product', 'accessKey']);
  doc.deleteIn(['product', 'deviceKeys']);
  if (target.info.productKey !== undefined) doc.setIn(['product', 'accessKey'], target.info.productKey);
  if (target.info.deviceKeys !== undefined) {
    const csv = join(dir, 'device-keys.csv');
    const rows = Object.entries(target.info.deviceKeys).map(([name, key]) => `${name},${key}`);
    await writeFile(csv, `name,key\n${rows.join('\n')}\n`, 'utf8');
    doc.setIn(['product', 'deviceKeys'], csv);
  }
  doc.setIn(['fleet', 'count'], s.fleet.count);
  doc.deleteIn(['rollout']);
  // the parent judges thresholds on the merged report; a shard alone would judge a fraction of the fleet
  doc.deleteIn(['thresholds']);
  doc.deleteIn(['abortOnFail']);
  doc.commentBefore = ` Written by ota-fleet --processes for its child processes: the shared embedded server as\n a URL target, without the rollout (the parent plays it) or thresholds (the parent judges the merge).\n${doc.commentBefore ?? ''}`;
  const file = join(dir, 'scenario.yaml');
  await writeFile(file, doc.toString(), 'utf8');
  return file;
}

interface SuperviseOptions {
  rollout: RolloutPlayer | undefined;
  scenario: Scenario;
  /** End of the run, epoch ms, and the moment after which a process still running is interrupted. */
  runEnd: number;
  deadline: number;
  signal: AbortSignal | undefined;
  log: Logger;
}

/** Waits for every child; forwards Ctrl-C, stops them once the rollout settled, interrupts them all when one fails. */
async function supervise(children: Child[], o: SuperviseOptions): Promise<void> {
  const s = o.scenario;
  // the same linger as runScenario: once settled, give devices time to see the final state
  const lingerMs = Math.min(5000, Math.max(...s.profiles.map((p) => p.pollInterval)) + 500);
  let settledAt: number | undefined;
  let told: ControlLine | undefined;
  let killAt = Number.POSITIVE_INFINITY;
  const tell = (line: ControlLine, why: string) => {
    told = line;
    o.log.info({ line, why }, 'telling every process');
    for (const c of children) if (c.exit === undefined) c.send(line);
  };
  while (children.some((c) => c.exit === undefined)) {
    await new Promise((r) => setTimeout(r, 250));
    const now = Date.now();
    // a process that fails while the run is on leaves a hole in the fleet: stop the rest too (a
    // process ending with a partial report after the run, or after `stop`, is no such failure)
    const failed =
      told === undefined && now < o.runEnd
        ? children.find((c) => c.exit !== undefined && !CLEAN_EXITS.has(c.exit.code))
        : undefined;
    if (told !== 'interrupt') {
      const why = o.signal?.aborted
        ? 'interrupted'
        : failed
          ? `${failed.label} exited with ${failed.exit?.code ?? failed.exit?.signal}`
          : now > o.deadline
            ? 'overran its duration'
            : undefined;
      if (why !== undefined) {
        tell('interrupt', why);
        killAt = now + 15_000;
      }
    } else if (now > killAt) {
      for (const c of children) if (c.exit === undefined) killGroup(c);
    }
    if (told === undefined && s.stop.whenSettled && o.rollout) {
      if (settledAt === undefined && (await o.rollout.settled())) settledAt = now;
      if (settledAt !== undefined && now - settledAt >= lingerMs) tell('stop settled', 'rollout settled');
    }
  }
}

function killGroup(c: Child): void {
  try {
    if (c.proc.pid !== undefined && process.platform !== 'win32') process.kill(-c.proc.pid, 'SIGKILL');
    else c.proc.kill('SIGKILL');
  } catch {
    // already gone
  }
}

/** The summary a child wrote into its own folder, or a note saying why there is none. */
async function childSummary(c: Child): Promise<RunSummary | string> {
  const dirs = await readdir(c.out, { withFileTypes: true }).catch(() => []);
  const report = dirs.find((d) => d.isDirectory());
  if (report !== undefined) {
    const summary = await loadSummary(join(c.out, report.name)).catch(() => undefined);
    if (summary !== undefined) return summary;
  }
  const last = c.stderr.trim().split('\n').slice(-3).join(' | ');
  return `${c.label} wrote no report (exit ${c.exit?.code ?? c.exit?.signal}): ${last || 'no output'}`;
}

/** The error a child printed (`ota-fleet: ERR_X: message`), re-thrown with its code. */
function childError(c: Child): OtaFleetError {
  const m = /ota-fleet: (ERR_[A-Z_]+): ([^\n]*)/.exec(c.stderr);
  const code = m && m[1]! in ERROR_CODES ? (m[1] as ErrorCode) : 'ERR_INTERNAL';
  return new OtaFleetError(code, `${c.label}: ${m?.[2] ?? (c.stderr.trim().split('\n').at(-1) || 'failed')}`);
}

function childArgs(o: ProcessesOptions, file: string, i: number, n: number, out: string, startAt: number) {
  return [
    'run',
    file,
    ...['--shard', `${i}/${n}`, '--out', out, '--start-at', String(startAt), '--control-stdin', '--quiet'],
    ...['--log-level', o.logLevel ?? 'info'],
    ...(o.workers !== undefined ? ['--workers', String(o.workers)] : []),
    ...(o.duration !== undefined ? ['--duration', o.duration] : []),
    ...(o.devices !== undefined ? ['--devices', String(o.devices)] : []),
    ...(o.wasm === false ? ['--no-wasm'] : []),
  ];
}

async function loadForProcesses(
  o: ProcessesOptions,
): Promise<{ s: Scenario; source: string; keys?: Record<string, string> }> {
  const loaded = await loadScenario(resolve(o.scenarioFile));
  if (!loaded.ok)
    throw new OtaFleetError(
      'ERR_SCENARIO_INVALID',
      `${loaded.file} is invalid:\n${loaded.problems.map(formatProblem).join('\n')}`,
    );
  const s = loaded.scenario;
  const count = o.devices ?? s.fleet.count;
  const ms = o.duration === undefined ? s.stop.duration : parseDuration(o.duration);
  if (ms === undefined || ms <= 0)
    throw new OtaFleetError(
      'ERR_USAGE',
      `--duration must be like 30s or 2m (got ${JSON.stringify(o.duration)})`,
    );
  if (!Number.isInteger(o.processes) || o.processes < 1 || o.processes > count)
    throw new OtaFleetError(
      'ERR_USAGE',
      `--processes must be an integer from 1 to the fleet size ${count} (got ${o.processes})`,
    );
  const scenario = { ...s, fleet: { ...s.fleet, count }, stop: { ...s.stop, duration: ms } };
  return { s: scenario, source: loaded.source, ...(loaded.deviceKeys ? { keys: loaded.deviceKeys } : {}) };
}

/** Refuses a shared embedded server that would hold more connections than one process may open. */
function assertServerFits(s: Scenario, n: number, workers: number): void {
  let need = 0;
  for (let i = 1; i <= n; i++) {
    const { first, last } = shardRange(s.fleet.count, i, n);
    need += socketsNeeded(s, last - first + 1, workers);
  }
  const limit = openFilesLimit();
  if (need + FD_RESERVE <= limit) return;
  throw new OtaFleetError(
    'ERR_FD_LIMIT',
    `the shared embedded server would hold up to ${need} connections, but one process may open at most ${limit} files; ` +
      'give each process its own embedded server (the per-process server mode), or point target.url at a server that can hold them.',
  );
}

/** The rollout's final state from the server, or undefined (with a note) when the server is gone. */
async function finishRollout(rollout: RolloutPlayer, notes: string[]): Promise<RolloutFacts | undefined> {
  try {
    const facts = await rollout.finish();
    notes.push(...rollout.notes);
    return facts;
  } catch (err) {
    notes.push(
      ...rollout.notes,
      `The embedded server could not be read at the end (${(err as Error).message}): its batches are missing.`,
    );
    return undefined;
  }
}

/** Merges the reports the children wrote; a child without one makes the merge partial. */
async function mergeChildren(children: Child[], opts: MergeOptions): Promise<RunSummary> {
  const results = await Promise.all(children.map(childSummary));
  const summaries: RunSummary[] = [];
  const labels: string[] = [];
  const failures: string[] = [];
  results.forEach((r, k) => {
    if (typeof r === 'string') failures.push(r);
    else {
      summaries.push(r);
      labels.push(opts.labels?.[k] ?? children[k]!.label);
    }
  });
  if (summaries.length === 0) throw childError(children.find((c) => c.exit?.code !== 0) ?? children[0]!);
  return mergeSummaries(summaries, {
    ...opts,
    labels,
    ...(failures.length > 0 ? { partialReason: 'process-failed' } : {}),
    notes: [...(opts.notes ?? []), ...failures],
  });
}

/**
 * Runs the scenario as N child processes of the CLI (shard i/N each, one start time) and merges their
 * summaries into one report written to the returned `dir`. Throws OtaFleetError before any device
 * starts (bad scenario or flags, fd limit, target), or when no process wrote a report.
 */
export async function runProcesses(o: ProcessesOptions): Promise<ProcessesResult> {
  const { s, source, keys } = await loadForProcesses(o);
  const n = o.processes;
  const dir = resolve(o.dir ?? join(o.out, reportDirName(s.name, new Date())));
  await mkdir(join(dir, 'processes'), { recursive: true });
  const log =
    o.log ??
    pino({ base: { pid: process.pid } }, pino.destination({ dest: join(dir, 'run.log'), sync: true }));
  const shared = s.target.url === 'embedded' && (o.server ?? 'shared') === 'shared';
  if (shared) assertServerFits(s, n, o.workers ?? availableParallelism());
  const target =
    s.target.url !== 'embedded' || shared
      ? await prepareTarget(s, { log, ...(keys && s.target.url !== 'embedded' ? { deviceKeys: keys } : {}) })
      : undefined;
  try {
    const file =
      shared && target
        ? await writeChildScenario(source, s, target, join(dir, 'processes'))
        : resolve(o.scenarioFile);
    // children load the CLI (and, per-process, start and seed their own server) before second 0
    const delay = o.startDelayMs ?? (FROM_SOURCE ? 2000 + 500 * n : 1000 + 250 * n) + (target ? 0 : 2000);
    const startAt = Date.now() + delay;
    const children = Array.from({ length: n }, (_, k) => {
      const out = join(dir, 'processes', String(k + 1));
      return spawnChild(`process ${k + 1}/${n}`, out, childArgs(o, file, k + 1, n, out, startAt), log);
    });
    const rollout = shared ? target?.startRollout?.(startAt) : undefined;
    const runEnd = startAt + s.stop.duration;
    await supervise(children, {
      rollout,
      scenario: s,
      runEnd,
      deadline: runEnd + 60_000,
      signal: o.signal,
      log,
    });
    const notes = [
      `Ran as ${n} processes on one machine${shared ? ', sharing one embedded server that played the rollout' : ''}.`,
    ];
    const rolloutInfo = rollout ? await finishRollout(rollout, notes) : undefined;
    const summary = await mergeChildren(children, {
      labels: children.map((c) => c.label),
      ...(rolloutInfo ? { rollout: rolloutInfo } : {}),
      ...(shared && target
        ? {
            scenario: { name: s.name, file: o.scenarioFile, source },
            target: { url: target.info.origin, embedded: true, dialect: s.target.dialect },
          }
        : {}),
      notes,
    });
    await writeReport(summary, dir);
    log.info({ dir, processes: n, partial: summary.run.partial }, 'merged report written');
    return { summary, dir };
  } finally {
    await target?.stop();
  }
}
