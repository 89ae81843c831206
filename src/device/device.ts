/**
 * One virtual device: the state machine of the official device SDKs, driven by its profile.
 * boot → report versions → check each module → (task: download, steps, install, 201, version report)
 * → poll again after the poll interval with jitter. In `visit` mode (open arrival-rate model) the device
 * does one pass and leaves. Server misbehaviour is data, recorded by the calls; nothing here throws for it.
 */
import { isFinalStatus, type ModuleTypeValue, TaskStatus, versionField } from '../ota/codes.ts';
import { otaPaths } from '../ota/routes.ts';
import type { Profile } from '../scenario/schema.ts';
import { type CallContext, callOta } from './calls.ts';
import { type DownloadSettings, downloadStep, type SavedDownload, savedFor } from './download.ts';
import { drawFaultPlan, type FaultPlan } from './faults.ts';
import { type ModuleOutcomes, noteTaskEnded, noteTaskSeen } from './module-outcomes.ts';
import { jitter } from './random.ts';

/** Everything one device needs; built by the worker. */
export interface DeviceOptions {
  index: number;
  name: string;
  profile: Profile;
  modules: readonly ModuleTypeValue[];
  versions: { f_version?: string; s_version?: string };
  basePath: string;
  ctx: CallContext;
  mode: 'loop' | 'visit';
  /** `clock.now()` at which the device boots. */
  bootAt: number;
}

/** A task as the check call returns it. */
interface Task {
  tid: string;
  target: string;
  size: number;
  md5: string;
  status: number;
  module: ModuleTypeValue;
}

/** The mutable state of one device. */
interface DeviceState {
  opts: DeviceOptions;
  saved?: SavedDownload;
  /** Per task (by tid): its fault plan and when the device first saw it. Created on the first task. */
  tasks?: Map<string, { plan: FaultPlan; seenAt: number }>;
  /** The device has seen at least one task (counted once in devices_with_task). */
  sawTask?: boolean;
  /** How each targeted module stands (devices_fully_upgraded). */
  modules?: ModuleOutcomes;
  /** Check paths by module, rebuilt only when the version changes. */
  checkPaths: { version: string; path: string }[];
  startVersion: Record<string, string>;
}

const REBOOT_MS = 1000;

function parseTask(data: unknown, module: ModuleTypeValue): Task | undefined {
  const d = data as Record<string, unknown> | null;
  if (!d || (typeof d.tid !== 'string' && typeof d.tid !== 'number')) return undefined;
  if (typeof d.size !== 'number' || typeof d.md5 !== 'string' || typeof d.target !== 'string')
    return undefined;
  return {
    tid: String(d.tid),
    target: d.target,
    size: d.size,
    md5: d.md5,
    status: Number(d.status ?? 1),
    module,
  };
}

function versionBody(v: DeviceOptions['versions']): string {
  const body: Record<string, string> = {};
  if (v.f_version) body.f_version = v.f_version;
  if (v.s_version) body.s_version = v.s_version;
  return JSON.stringify(body);
}

/** Runs a device until its clock stops (loop) or after one pass (visit). */
export async function runDevice(opts: DeviceOptions): Promise<void> {
  const { ctx } = opts;
  const state: DeviceState = {
    opts,
    checkPaths: [],
    startVersion: { ...(opts.versions as Record<string, string>) },
  };
  await ctx.clock.sleepUntil(opts.bootAt);
  if (ctx.clock.stopped) return;
  ctx.recorder.count('devices_booted');
  let rebooted = true;
  // when the next request is meant to go out: the poll's scheduled time for its first request, then
  // the end of the previous one (so a slow reply is counted once, in its own latency)
  let at = ctx.clock.now();
  while (!ctx.clock.stopped) {
    if (rebooted) {
      rebooted = false;
      await callOta(
        ctx,
        'report-version',
        'POST',
        otaPaths.reportVersion(opts.basePath),
        versionBody(opts.versions),
        at,
      );
      at = ctx.clock.now();
    }
    for (const module of opts.modules) {
      if (ctx.clock.stopped) return;
      const field = versionField(module);
      const version = opts.versions[field] ?? 'V0';
      let cached = state.checkPaths[module];
      if (cached?.version !== version) {
        cached = { version, path: otaPaths.check(opts.basePath, module, version) };
        state.checkPaths[module] = cached;
      }
      const out = await callOta(ctx, 'check', 'GET', cached.path, undefined, at);
      at = ctx.clock.now();
      if (out.kind !== 'reply' || out.envelope.errno !== 0) continue;
      const task = parseTask(out.envelope.data, module);
      if (!task) {
        ctx.recorder.count('errors', 1, { code: 'ERR_OTA_BAD_REPLY', call: 'check' });
        continue;
      }
      const result = await runTask(state, task);
      if (result === 'reboot') {
        ctx.recorder.count('device_reboots');
        await ctx.clock.sleep(REBOOT_MS);
        rebooted = true;
      }
      at = ctx.clock.now();
      if (rebooted) break;
    }
    if (opts.mode === 'visit') return;
    at = ctx.clock.now() + jitter(opts.profile.pollInterval, opts.profile.pollJitter, ctx.rng.next());
    await ctx.clock.sleepUntil(at);
  }
}

type TaskResult = 'done' | 'gave-up' | 'reboot';

async function reportStep(state: DeviceState, tid: string, step: number): Promise<'ok' | 'stop'> {
  const { ctx, basePath } = state.opts;
  const out = await callOta(
    ctx,
    'report-status',
    'POST',
    otaPaths.reportStatus(basePath, tid),
    `{"step":${step}}`,
    ctx.clock.now(),
  );
  if (out.kind !== 'reply') return 'stop';
  return out.envelope.errno === 0 ? 'ok' : 'stop';
}

function finish(
  state: DeviceState,
  task: Task,
  outcome: 'upgraded' | 'failed' | 'cancelled',
  step?: number,
): void {
  const { ctx, profile } = state.opts;
  const from = state.startVersion[versionField(task.module)] ?? 'never-reported';
  if (outcome === 'upgraded') {
    ctx.recorder.count('devices_upgraded', 1, { profile: profile.name, from });
    const seen = state.tasks?.get(task.tid)?.seenAt;
    if (seen !== undefined)
      ctx.recorder.recordDuration('device_upgrade_duration', Math.round((ctx.clock.now() - seen) * 1000));
  } else if (outcome === 'failed') {
    ctx.recorder.count('devices_failed', 1, { profile: profile.name, from, step: String(step ?? 0) });
  } else {
    ctx.recorder.count('devices_cancelled', 1, { profile: profile.name, from });
  }
  noteTaskEnded(state, task.module, outcome, ctx.recorder);
  state.tasks?.delete(task.tid);
  if (state.saved?.tid === task.tid) state.saved = undefined;
}

/** Carries one task from wherever it stands to its end (or until the device gives up or reboots). */
async function runTask(state: DeviceState, task: Task): Promise<TaskResult> {
  const { ctx, profile } = state.opts;
  if (isFinalStatus(task.status)) return 'done';
  state.tasks ??= new Map();
  let entry = state.tasks.get(task.tid);
  if (!entry) {
    entry = { plan: drawFaultPlan(profile.faults, ctx.rng), seenAt: ctx.clock.now() };
    state.tasks.set(task.tid, entry);
    noteTaskSeen(state, task.module, ctx.recorder);
    // once per device, however many tasks or retried attempts it sees
    if (!state.sawTask) {
      state.sawTask = true;
      ctx.recorder.count('devices_with_task');
    }
  }
  const plan = entry.plan;
  const saved = savedFor(state.saved, task.tid, task.size, task.md5);
  state.saved = saved;
  if (task.status !== TaskStatus.UPGRADING && !saved.complete) {
    const r = await downloadAll(state, task, saved, plan);
    if (r !== 'complete') return r;
  }
  return install(state, task, saved, plan);
}

async function downloadAll(
  state: DeviceState,
  task: Task,
  saved: SavedDownload,
  plan: FaultPlan,
): Promise<TaskResult | 'complete'> {
  const { ctx, profile, basePath } = state.opts;
  const settings: DownloadSettings = {
    chunkSize: profile.download.chunkSize,
    timeoutMs: profile.requestTimeout,
  };
  if (profile.download.bandwidth !== undefined) settings.bandwidth = profile.download.bandwidth;
  const path = otaPaths.download(basePath, task.tid);
  const every = profile.download.progressEvery;
  let nextProgress =
    every > 0 ? Math.floor(((saved.offset / Math.max(1, saved.size)) * 100) / every) * every + every : 101;
  let failures = 0;
  while (!ctx.clock.stopped) {
    if (profile.download.checkTaskBeforeChunk) {
      const st = await readTaskState(state, task.tid);
      if (st.cancelled) {
        finish(state, task, 'cancelled');
        return 'done';
      }
      if (st.status >= TaskStatus.UPGRADING) return 'done';
    }
    const r = await downloadStep(ctx, path, saved, settings, plan);
    if (saved.interrupted && (r.kind === 'progress' || r.kind === 'complete')) {
      saved.interrupted = false;
      ctx.recorder.count('download_resumes');
    }
    if (r.kind === 'error' || r.kind === 'fault') saved.interrupted = true;
    switch (r.kind) {
      case 'cancelled':
        finish(state, task, 'cancelled');
        return 'done';
      case 'fault':
        if (r.fault === 'reboot') return 'reboot';
        if (r.fault === 'low-battery') return reportFailure(state, task, 105);
        continue; // abort: resume from the saved offset
      case 'error':
        failures++;
        if (!r.retryable || failures > profile.retry.max) return 'gave-up';
        ctx.recorder.count('request_retries');
        await ctx.clock.sleep(
          Math.min(profile.retry.maxDelay, profile.retry.baseDelay * 2 ** (failures - 1)) * ctx.rng.next(),
        );
        continue;
      case 'progress':
      case 'complete': {
        const pct = Math.floor((saved.offset / Math.max(1, saved.size)) * 100);
        if (r.kind === 'progress' && pct >= nextProgress && pct < 100) {
          nextProgress = Math.floor(pct / every) * every + every;
          if ((await reportStep(state, task.tid, pct)) === 'stop') return stopReason(state, task);
        }
        if (r.kind === 'complete') return 'complete';
        continue;
      }
    }
  }
  return 'gave-up';
}

/** After a refused step report, asks the task state to learn whether it was cancelled or finished. */
async function stopReason(state: DeviceState, task: Task): Promise<TaskResult> {
  if ((await readTaskState(state, task.tid)).cancelled) finish(state, task, 'cancelled');
  return 'done';
}

/** Call 5: the task's status (0 when unknown) and whether the server says it was cancelled (6 or errno 22). */
async function readTaskState(
  state: DeviceState,
  tid: string,
): Promise<{ status: number; cancelled: boolean }> {
  const { ctx, basePath } = state.opts;
  const st = await callOta(
    ctx,
    'task-state',
    'GET',
    otaPaths.taskState(basePath, tid),
    undefined,
    ctx.clock.now(),
  );
  if (st.kind !== 'reply') return { status: 0, cancelled: false };
  const status = Number((st.envelope.data as { status?: unknown } | undefined)?.status) || 0;
  return { status, cancelled: status === TaskStatus.CANCELLED || st.envelope.errno === 22 };
}

async function reportFailure(state: DeviceState, task: Task, step: number): Promise<TaskResult> {
  if ((await reportStep(state, task.tid, step)) === 'ok') finish(state, task, 'failed', step);
  else return stopReason(state, task);
  return 'done';
}

async function install(
  state: DeviceState,
  task: Task,
  saved: SavedDownload,
  plan: FaultPlan,
): Promise<TaskResult> {
  const { ctx, profile, basePath, versions } = state.opts;
  if (task.status !== TaskStatus.UPGRADING) {
    const md5 = saved.hash.copy().digest('hex');
    const bad = md5 !== task.md5 || saved.offset !== task.size;
    if (bad)
      ctx.recorder.count('errors', 1, {
        code: saved.offset !== task.size ? 'ERR_OTA_SIZE_MISMATCH' : 'ERR_OTA_MD5_MISMATCH',
        call: 'download',
      });
    // 2xx steps are valid only while upgrading: report the download done (101), then the failed check (205)
    if ((await reportStep(state, task.tid, 101)) === 'stop') return stopReason(state, task);
    if (bad || plan.md5Mismatch) return reportFailure(state, task, 205);
  }
  await ctx.clock.sleep(profile.installTime);
  if (ctx.clock.stopped) return 'gave-up';
  if (plan.installFailStep !== undefined) return reportFailure(state, task, plan.installFailStep);
  if ((await reportStep(state, task.tid, 201)) === 'stop') return stopReason(state, task);
  versions[versionField(task.module)] = task.target;
  await callOta(
    ctx,
    'report-version',
    'POST',
    otaPaths.reportVersion(basePath),
    versionBody(versions),
    ctx.clock.now(),
  );
  finish(state, task, 'upgraded');
  return 'done';
}
