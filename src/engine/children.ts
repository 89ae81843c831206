/**
 * The child processes of `--processes N`: spawning `ota-fleet run --shard i/N --control-stdin` children
 * in process groups of their own, supervising them (Ctrl-C forwarding, stop once the rollout settled,
 * interrupt all when one fails), reading back what each wrote; and the child side of the stdin control
 * protocol (`listenForControl`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { type CodedError, OtaFleetError } from '../error-codes.ts';
import type { MetricsSnapshot } from '../metrics/snapshot.ts';
import type { RunSummary } from '../report/summary.ts';
import { loadSummary } from '../report/write.ts';
import type { Scenario } from '../scenario/schema.ts';
import { CHILD_EVENTS_FD, readChildEvents } from './child-events.ts';
import type { RolloutPlayer } from './rollout.ts';

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

export interface Child {
  label: string;
  out: string;
  proc: ChildProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  stderr: string;
  /** The failure the child reported on its events pipe, if it did. */
  failure?: CodedError;
  send(line: ControlLine): void;
}

export const FROM_SOURCE = import.meta.url.endsWith('.ts');
/** Exit codes of a child that wrote its report: ok, threshold failed, regression, interrupted. */
const CLEAN_EXITS = new Set<number | null>([0, 5, 6, 130]);
const TAIL = 8192;

/** `node [--import tsx] <cli>` for the running ota-fleet: src/cli.ts under tsx, else dist/cli.js. */
function cliArgv(): string[] {
  if (!FROM_SOURCE) return [fileURLToPath(new URL('../cli.js', import.meta.url))];
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsx, fileURLToPath(new URL('../cli.ts', import.meta.url))];
}

/**
 * Spawns one child `ota-fleet run`; its fd 3 is the events pipe (child-events.ts): `onSnapshot` gets
 * each worker snapshot it streams, and a failure it reports is kept as `failure`.
 */
export function spawnChild(
  label: string,
  out: string,
  args: string[],
  log: Logger,
  onSnapshot: (source: string, snapshot: MetricsSnapshot) => void = () => {},
): Child {
  const proc = spawn(process.execPath, [...cliArgv(), ...args, '--events-fd', String(CHILD_EVENTS_FD)], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    // its own process group: a terminal's Ctrl-C reaches only the parent, which forwards it once
    detached: process.platform !== 'win32',
  });
  const child: Child = { label, out, proc, stderr: '', send: (line) => proc.stdin?.write(`${line}\n`) };
  proc.stdin?.on('error', () => {}); // a child that already exited: nothing to tell it
  proc.stdout?.resume();
  const events = proc.stdio[CHILD_EVENTS_FD] as Readable | null | undefined;
  if (events)
    readChildEvents(events, (e) => {
      if (e.event === 'snapshot') onSnapshot(e.source, e.snapshot);
      else child.failure ??= { code: e.code, message: e.message };
    });
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

export interface SuperviseOptions {
  rollout: RolloutPlayer | undefined;
  scenario: Scenario;
  /** End of the run, epoch ms, and the moment after which a process still running is interrupted. */
  runEnd: number;
  deadline: number;
  signal: AbortSignal | undefined;
  log: Logger;
  /** Called on every pass of the loop (~4 times a second): the parent's observers tick here. */
  onTick?: () => void;
}

/** Waits for every child; forwards Ctrl-C, stops them once the rollout settled, interrupts them all when one fails. */
export async function supervise(children: Child[], o: SuperviseOptions): Promise<void> {
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
    o.onTick?.();
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
export async function childSummary(c: Child): Promise<RunSummary | string> {
  const dirs = await readdir(c.out, { withFileTypes: true }).catch(() => []);
  const report = dirs.find((d) => d.isDirectory());
  if (report !== undefined) {
    const summary = await loadSummary(join(c.out, report.name)).catch(() => undefined);
    if (summary !== undefined) return summary;
  }
  const last = c.failure
    ? `${c.failure.code}: ${c.failure.message}`
    : c.stderr.trim().split('\n').slice(-3).join(' | ');
  return `${c.label} wrote no report (exit ${c.exit?.code ?? c.exit?.signal}): ${last || 'no output'}`;
}

/** The error a child reported on its events pipe, re-thrown with its code (else its last stderr line). */
export function childError(c: Child): OtaFleetError {
  if (c.failure) return new OtaFleetError(c.failure.code, `${c.label}: ${c.failure.message}`);
  return new OtaFleetError('ERR_INTERNAL', `${c.label}: ${c.stderr.trim().split('\n').at(-1) || 'failed'}`);
}
