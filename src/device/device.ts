/**
 * One virtual device: the state machine of the official device SDKs, driven by its profile.
 * boot → report versions → check each module → (task: download, steps, install, 201, version report)
 * → poll again after the poll interval with jitter. In `visit` mode (open arrival-rate model) the device
 * does one pass and leaves. Server misbehaviour is data, recorded by the calls; nothing here throws for it.
 */
import { Errno, type ModuleTypeValue, Step, TaskStatus, versionField } from '../ota/codes.ts';
import { encodeStepBody, encodeVersionBody, parseCheckTask, parseTaskState } from '../ota/payloads.ts';
import { otaPaths } from '../ota/routes.ts';
import type { Profile } from '../scenario/schema.ts';
import { backoffDelay, type CallContext, callOta, sampleFailure } from './calls.ts';
import { type DownloadSettings, downloadStep, type SavedDownload, savedFor } from './download.ts';
import { drawFaultPlan, type FaultPlan } from './faults.ts';
import { type ModuleOutcomes, noteTaskEnded, noteTaskSeen } from './module-outcomes.ts';
import { type MqttLink, type MqttSettings, startMqttLink } from './mqtt.ts';
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
  /**
   * The broker of a push device (profile `notify: mqtt | both`) and its product id: the device keeps
   * one MQTT connection, logging in with the token of its HTTP calls. Absent: the device only polls.
   */
  mqtt?: { settings: MqttSettings; productId: string; open?: Parameters<typeof startMqttLink>[0]['open'] };
}

/** What the poll loop knows of the push: informs wake its sleep. */
interface PushState {
  link: MqttLink;
  /** `clock.now()` of the earliest inform not yet followed by a check reply. */
  informAt?: number;
  /** An inform arrived since the current pass began: run another pass at once. */
  pending: boolean;
  /** Ends the current wait between passes. */
  wake?: () => void;
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
  /** The task whose download is saved (asked about after a reboot, before resuming). */
  savedTask?: Task;
  /** Tasks whose outcome this device has recorded: each task ends once, however often it is offered. */
  ended?: Set<string>;
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

function versionBody(v: DeviceOptions['versions']): string {
  return encodeVersionBody(v);
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
  const push = opts.profile.notify !== 'poll' && opts.mqtt ? startPush(opts) : undefined;
  try {
    await runPasses(state, push);
  } finally {
    push?.link.close();
    await push?.link.ended;
  }
}

/** Connects a push device to its broker; each new inform wakes the device's wait between passes. */
function startPush(opts: DeviceOptions): PushState {
  const { ctx } = opts;
  const m = opts.mqtt!;
  const push: PushState = { pending: false } as PushState;
  push.link = startMqttLink({
    settings: m.settings,
    productId: m.productId,
    device: opts.name,
    password: () => ctx.credentials.headers().Authorization,
    clock: ctx.clock,
    rng: ctx.rng,
    recorder: ctx.recorder,
    onInform: (_inform, receivedAt) => {
      push.informAt ??= receivedAt;
      push.pending = true;
      push.wake?.();
    },
    ...(m.open ? { open: m.open } : {}),
  });
  return push;
}

/**
 * Waits between passes: until the poll time (`both`, `poll`), an inform (`mqtt`, `both`) or the stop.
 * A push-only device has no poll time and waits for an inform.
 */
async function waitNextPass(state: DeviceState, push: PushState | undefined, pollAt: number): Promise<void> {
  const { ctx, profile } = state.opts;
  if (!push) return ctx.clock.sleepUntil(pollAt);
  if (push.pending) return;
  await new Promise<void>((resolve) => {
    push.wake = resolve;
    if (profile.notify === 'mqtt') void ctx.clock.whenStopped.then(resolve);
    else void ctx.clock.sleepUntil(pollAt).then(resolve);
  });
  push.wake = undefined;
}

/** The passes of a booted device: report the version, check each module, carry a task out, wait. */
async function runPasses(state: DeviceState, push: PushState | undefined): Promise<void> {
  const { opts } = state;
  const { ctx } = opts;
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
      // a saved download: ask its task's state before resuming (official SDK), end it if it ended
      if (state.savedTask && !ctx.clock.stopped) await askBeforeResume(state, state.savedTask);
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
      if (push?.informAt !== undefined && out.kind === 'reply') {
        ctx.recorder.recordDuration('inform_to_check', Math.max(1, Math.round((at - push.informAt) * 1000)));
        push.informAt = undefined;
      }
      if (out.kind !== 'reply' || out.envelope.errno !== Errno.OK) continue;
      const parsed = parseCheckTask(out.envelope.data);
      if (!parsed.ok) {
        ctx.recorder.count('errors', 1, { code: 'ERR_OTA_BAD_REPLY', call: 'check' });
        sampleFailure(ctx, 'check', 'GET', cached.path, 'ERR_OTA_BAD_REPLY', {
          errno: out.envelope.errno,
          detail: parsed.reason,
          body: JSON.stringify(out.envelope.data) ?? '',
        });
        continue;
      }
      const task: Task = { ...parsed.value, module };
      if (state.ended?.has(task.tid)) continue;
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
    await waitNextPass(state, push, at);
    if (push?.pending) {
      // woken by an inform: check at once (the inform's receipt is where inform_to_check starts)
      push.pending = false;
      at = ctx.clock.now();
    }
  }
}

type TaskResult = 'done' | 'gave-up' | 'reboot';

/** How a step report went: accepted, refused because the task ended (errno 20 / 22), or otherwise not. */
type StepReply = 'ok' | 'finished' | 'cancelled' | 'stop';

async function reportStep(state: DeviceState, tid: string, step: number): Promise<StepReply> {
  const { ctx, basePath } = state.opts;
  const out = await callOta(
    ctx,
    'report-status',
    'POST',
    otaPaths.reportStatus(basePath, tid),
    encodeStepBody(step),
    ctx.clock.now(),
  );
  if (out.kind !== 'reply') return 'stop';
  switch (out.envelope.errno) {
    case Errno.OK:
      return 'ok';
    case Errno.TASK_FINISHED:
      return 'finished';
    case Errno.TASK_CANCELLED:
      return 'cancelled';
    default:
      return 'stop';
  }
}

/** A task's outcome as the device records it (expired counts as failed, with step `expired`). */
type Outcome = 'upgraded' | 'failed' | 'cancelled';

function finish(state: DeviceState, task: Task, outcome: Outcome, step?: number | string): void {
  const { ctx, profile } = state.opts;
  state.ended ??= new Set();
  if (state.ended.has(task.tid)) return;
  state.ended.add(task.tid);
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
  if (state.saved?.tid === task.tid) {
    state.saved = undefined;
    state.savedTask = undefined;
  }
}

/** Carries one task from wherever it stands to its end (or until the device gives up or reboots). */
async function runTask(state: DeviceState, task: Task): Promise<TaskResult> {
  const { ctx, profile } = state.opts;
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
  state.savedTask = task;
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
      if (endFromState(state, task, st)) return 'done';
      if (st.status === TaskStatus.UPGRADING) return 'done';
    }
    const r = await downloadStep(ctx, path, saved, settings, plan);
    if (saved.interrupted && (r.kind === 'progress' || r.kind === 'complete')) {
      saved.interrupted = false;
      ctx.recorder.count('download_resumes');
    }
    if (r.kind === 'error' || r.kind === 'fault') saved.interrupted = true;
    switch (r.kind) {
      case 'task-ended':
        return learnOutcome(state, task, 'ota-errno-5');
      case 'fault':
        if (r.fault === 'reboot') return 'reboot';
        if (r.fault === 'low-battery') return reportFailure(state, task, Step.DL_LOW_BATTERY);
        continue; // abort: resume from the saved offset
      case 'error':
        failures++;
        if (!r.retryable || failures > profile.retry.max) return 'gave-up';
        ctx.recorder.count('request_retries');
        await ctx.clock.sleep(backoffDelay(profile.retry, failures, ctx.rng.next()));
        continue;
      case 'progress':
      case 'complete': {
        const pct = Math.floor((saved.offset / Math.max(1, saved.size)) * 100);
        if (r.kind === 'progress' && pct >= nextProgress && pct < 100) {
          nextProgress = Math.floor(pct / every) * every + every;
          const sr = await reportStep(state, task.tid, pct);
          if (sr !== 'ok') return stopReason(state, task, sr);
        }
        if (r.kind === 'complete') return 'complete';
        continue;
      }
    }
  }
  return 'gave-up';
}

/** What a task-state call said: the status (0 when unknown) and whether it was answered at all. */
interface StateReading {
  status: number;
  /** errno 22 on the task-state call: the task was cancelled. */
  cancelled: boolean;
  known: boolean;
}

/** Call 5: the task's status as the server knows it. */
async function readTaskState(state: DeviceState, tid: string): Promise<StateReading> {
  const { ctx, basePath } = state.opts;
  const path = otaPaths.taskState(basePath, tid);
  const st = await callOta(ctx, 'task-state', 'GET', path, undefined, ctx.clock.now());
  if (st.kind !== 'reply') return { status: 0, cancelled: false, known: false };
  if (st.envelope.errno === Errno.TASK_CANCELLED) return { status: 0, cancelled: true, known: true };
  if (st.envelope.errno !== Errno.OK) return { status: 0, cancelled: false, known: false };
  const parsed = parseTaskState(st.envelope.data);
  if (!parsed.ok) {
    ctx.recorder.count('errors', 1, { code: 'ERR_OTA_BAD_REPLY', call: 'task-state' });
    sampleFailure(ctx, 'task-state', 'GET', path, 'ERR_OTA_BAD_REPLY', {
      errno: st.envelope.errno,
      detail: parsed.reason,
    });
    return { status: 0, cancelled: false, known: false };
  }
  return {
    status: parsed.value.status,
    cancelled: parsed.value.status === TaskStatus.CANCELLED,
    known: true,
  };
}

/** Ends the task when the reading says it ended (cancelled, failed or expired, succeeded); true if so. */
function endFromState(state: DeviceState, task: Task, st: StateReading): boolean {
  if (st.cancelled) finish(state, task, 'cancelled');
  else if (st.status === TaskStatus.FAILED) finish(state, task, 'failed', 'expired');
  else if (st.status === TaskStatus.SUCCEEDED) {
    // the platform finished it (e.g. a version report elsewhere): it set the module's version to target
    state.opts.versions[versionField(task.module)] = task.target;
    finish(state, task, 'upgraded');
  } else return false;
  return true;
}

/**
 * The server said the task ended without saying how (`Ota-Errno: 5` = cancelled or expired; errno 20 =
 * finished): the task-state call tells which, and the device records that outcome once. A task the
 * server still has live (an injected or stray reply) gets no outcome: the device tries again later.
 */
async function learnOutcome(
  state: DeviceState,
  task: Task,
  why: 'ota-errno-5' | 'finished',
): Promise<TaskResult> {
  const st = await readTaskState(state, task.tid);
  if (endFromState(state, task, st)) return 'done';
  // errno 20 is final by itself: a task the device cannot learn more about failed elsewhere
  if (why === 'finished' && !st.known) finish(state, task, 'failed', 'finished');
  return 'gave-up';
}

/** After a refused step report: errno 22 is a cancel, errno 20 a task that ended elsewhere. */
async function stopReason(state: DeviceState, task: Task, why: StepReply): Promise<TaskResult> {
  if (why === 'cancelled') {
    finish(state, task, 'cancelled');
    return 'done';
  }
  if (why === 'finished') return learnOutcome(state, task, 'finished');
  // refused for another reason (out of order, transport): a cancel may be why; the state call says
  return endFromState(state, task, await readTaskState(state, task.tid)) ? 'done' : 'gave-up';
}

/** After a reboot with a saved download: the task's state decides whether it still needs resuming. */
async function askBeforeResume(state: DeviceState, task: Task): Promise<void> {
  if (state.ended?.has(task.tid)) return;
  endFromState(state, task, await readTaskState(state, task.tid));
}

async function reportFailure(state: DeviceState, task: Task, step: number): Promise<TaskResult> {
  const sr = await reportStep(state, task.tid, step);
  if (sr !== 'ok') return stopReason(state, task, sr);
  finish(state, task, 'failed', step);
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
    const sr = await reportStep(state, task.tid, Step.DOWNLOAD_OK);
    if (sr !== 'ok') return stopReason(state, task, sr);
    if (bad || plan.md5Mismatch) return reportFailure(state, task, Step.UP_MD5_FAILED);
  }
  await ctx.clock.sleep(profile.installTime);
  if (ctx.clock.stopped) return 'gave-up';
  if (plan.installFailStep !== undefined) return reportFailure(state, task, plan.installFailStep);
  const sr = await reportStep(state, task.tid, Step.UPGRADE_OK);
  if (sr !== 'ok') return stopReason(state, task, sr);
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
