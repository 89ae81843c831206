/**
 * `--processes N`: one fleet split over N child processes of the CLI on this machine (each has its
 * own open-files limit), all given one start time, their summaries merged exactly into one report.
 * With `target: embedded` the parent starts ONE reference server (prepareTarget), seeds the whole
 * fleet, plays the rollout script and tells the children when it has settled; the children reach the
 * server as a URL target, so the rollout is one rollout of one fleet. docs/report.md explains it.
 * The children themselves (spawn, supervise, read back, control protocol) are in children.ts.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import pino, { type Logger } from 'pino';
import { parseDocument } from 'yaml';
import { OtaFleetError } from '../error-codes.ts';
import { shardRange } from '../load/fleet.ts';
import { createAggregator } from '../metrics/aggregator.ts';
import { type MergeOptions, mergeSummaries } from '../report/merge.ts';
import type { RunSummary } from '../report/summary.ts';
import { reportDirName, writeReport } from '../report/write.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import type { Scenario } from '../scenario/schema.ts';
import { parseDuration } from '../scenario/units.ts';
import { type Child, childError, childSummary, FROM_SOURCE, spawnChild, supervise } from './children.ts';
import { FD_RESERVE, openFilesLimit, socketsNeeded } from './fd-limit.ts';
import { createSnapshotFeed, type RunObserver } from './observer.ts';
import type { RolloutPlayer } from './rollout.ts';
import { type PreparedTarget, prepareTarget } from './target.ts';

type RolloutFacts = Awaited<ReturnType<RolloutPlayer['finish']>>;

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
  /**
   * Watch the whole fleet live: the children stream their worker snapshots to this process, which
   * merges them and calls each observer once a second (sources `p1/w0`, `p2/w0` ...), as `runScenario` does.
   */
  observers?: readonly RunObserver[];
}

/** The merged report: its summary (also written to `dir`) and directory. */
export interface ProcessesResult {
  summary: RunSummary;
  dir: string;
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
    const feed = createSnapshotFeed(createAggregator({ startedAtMs: startAt }), o.observers ?? [], {
      startedAtMs: startAt,
      log,
    });
    feed.start({
      scenario: s.name,
      startedAtMs: startAt,
      durationMs: s.stop.duration,
      devices: s.fleet.count,
      fleetCount: s.fleet.count,
      workers: n,
      processes: n,
    });
    const children = Array.from({ length: n }, (_, k) => {
      const out = join(dir, 'processes', String(k + 1));
      const args = childArgs(o, file, k + 1, n, out, startAt);
      return spawnChild(`process ${k + 1}/${n}`, out, args, log, (source, snapshot) =>
        feed.add(snapshot, `p${k + 1}/${source}`),
      );
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
      onTick: () => feed.tick(),
    });
    const interrupted = o.signal?.aborted ?? false;
    feed.stopping({ reason: interrupted ? 'interrupted' : 'every process ended', partial: interrupted });
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
    feed.finish(summary);
    await writeReport(summary, dir);
    log.info({ dir, processes: n, partial: summary.run.partial }, 'merged report written');
    return { summary, dir };
  } finally {
    await target?.stop();
  }
}
