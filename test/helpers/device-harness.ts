/**
 * A device under unit test: a manual clock (virtual time: a sleep moves time forward at once), a
 * scripted undici Dispatcher that answers from a small in-memory OTA model (or from per-test
 * overrides), and a recorder that keeps what it was told. No sockets, no wall clock.
 */
import { createHash } from 'node:crypto';
import { Dispatcher } from 'undici';
import { type CallContext, type Credentials, fixedCredentials } from '../../src/device/calls.ts';
import type { Clock } from '../../src/device/clock.ts';
import { type DeviceOptions, runDevice } from '../../src/device/device.ts';
import { createRng } from '../../src/device/random.ts';
import type { ErrorSample, Recorder } from '../../src/metrics/recorder.ts';
import { emptySnapshot } from '../../src/metrics/snapshot.ts';
import { Errno, type ModuleTypeValue, TaskStatus } from '../../src/ota/codes.ts';
import { encodeEnvelope } from '../../src/ota/envelope.ts';
import { encodeCheckTask, encodeTaskState } from '../../src/ota/payloads.ts';
import { resolveRange } from '../../src/ota/range.ts';
import { devicePath, type MatchedRoute, matchOtaRoute, type OtaCall } from '../../src/ota/routes.ts';
import { type Profile, scenarioSchema } from '../../src/scenario/schema.ts';
import { applyStep } from '../../src/server/task-machine.ts';
import type { InFlightRegistry } from '../../src/transport/in-flight.ts';

/** A manual clock: `sleep` advances virtual time; `stop()` after `limitMs` of virtual time. */
export interface ManualClock extends Clock {
  /** Every sleep asked for, ms. */
  readonly sleeps: number[];
  advance(ms: number): void;
}

/** Creates a manual clock starting at `start` ms that stops itself once virtual time passes `limitMs`. */
export function createManualClock(limitMs = Number.POSITIVE_INFINITY, start = 1000): ManualClock {
  let now = start;
  let stopped = false;
  let markStopped: () => void = () => {};
  const whenStopped = new Promise<void>((r) => {
    markStopped = r;
  });
  const stop = () => {
    if (stopped) return;
    stopped = true;
    markStopped();
  };
  const sleeps: number[] = [];
  const sleepUntil = async (at: number): Promise<void> => {
    if (stopped) return;
    if (at > now) now = at;
    if (now - start >= limitMs) stop();
  };
  const clock: ManualClock = {
    sleeps,
    now: () => now,
    advance(ms) {
      now += ms;
    },
    sleep: (ms) => {
      sleeps.push(ms);
      return sleepUntil(now + Math.max(0, ms));
    },
    sleepUntil,
    get stopped() {
      return stopped;
    },
    whenStopped,
    stop,
    child: () => createManualChild(clock),
  };
  return clock;
}

/** A stoppable view of a manual clock (the per-device stop of a ramp-down): same time, own stop. */
function createManualChild(parent: Clock): Clock {
  let own = false;
  let markStopped: () => void = () => {};
  const whenStopped = new Promise<void>((r) => {
    markStopped = r;
  });
  void parent.whenStopped.then(() => markStopped());
  const child: Clock = {
    now: () => parent.now(),
    sleep: (ms) => (own ? Promise.resolve() : parent.sleep(ms)),
    sleepUntil: (at) => (own ? Promise.resolve() : parent.sleepUntil(at)),
    get stopped() {
      return own || parent.stopped;
    },
    whenStopped,
    stop() {
      own = true;
      markStopped();
    },
    child: () => createManualChild(child),
  };
  return child;
}

/** One request the scripted dispatcher saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  route?: MatchedRoute;
  call?: OtaCall;
}

/** A scripted reply: an HTTP reply, a socket error, or no reply at all (stall). */
export type ScriptReply =
  | {
      status?: number;
      headers?: Record<string, string>;
      body?: string | Buffer;
      /** Send only this many body bytes, then fail with a socket error (a close mid-body). */
      cutAfter?: number;
      /** Send only this many body bytes, then nothing more (a reply that stalls mid-body). */
      holdAfter?: number;
    }
  | { error: string }
  | { stall: true };

/** Answers a request, or returns undefined to let the next layer (the OTA model) answer. */
export type Script = (req: SeenRequest, n: number) => ScriptReply | undefined;

function socketError(code: string): Error {
  const e = new Error(`scripted ${code}`) as Error & { code: string };
  e.code = code;
  return e;
}

/** An undici Dispatcher that answers every request from `script` through the legacy handler API. */
export class ScriptedDispatcher extends Dispatcher {
  readonly seen: SeenRequest[] = [];
  constructor(private readonly script: Script) {
    super();
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    const h = handler as Required<Pick<Dispatcher.DispatchHandler, 'onError'>> & Dispatcher.DispatchHandler;
    const headers = { ...(opts.headers as Record<string, string> | undefined) };
    const req: SeenRequest = { method: opts.method, path: opts.path, headers };
    if (typeof opts.body === 'string') req.body = opts.body;
    const [pathOnly] = opts.path.split('?');
    const m = matchOtaRoute(opts.method, pathOnly ?? opts.path);
    if (m.ok) {
      req.route = m.route;
      req.call = m.route.call;
    }
    this.seen.push(req);
    const n = this.seen.length;
    let aborted: Error | undefined;
    const abort = (err?: Error) => {
      if (aborted) return;
      aborted = err ?? socketError('UND_ERR_ABORTED');
      h.onError(aborted);
    };
    setImmediate(() => {
      h.onConnect?.(abort);
      if (aborted) return;
      const r = this.script(req, n) ?? { status: 404, body: '' };
      if ('stall' in r) return;
      if ('error' in r) return h.onError(socketError(r.error));
      const body = typeof r.body === 'string' ? Buffer.from(r.body) : (r.body ?? Buffer.alloc(0));
      const hdrs = { 'Content-Length': String(body.length), ...r.headers };
      const raw = Object.entries(hdrs).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
      // biome-ignore lint/suspicious/noExplicitAny: the legacy handler signature differs between typings
      (h.onHeaders as any)?.(r.status ?? 200, raw, () => {}, 'OK');
      if (aborted) return;
      const sendUpTo = r.cutAfter ?? r.holdAfter ?? body.length;
      // deliver in 16 KiB pieces, as a socket would
      for (let at = 0; at < sendUpTo && !aborted; at += 16_384) {
        h.onData?.(body.subarray(at, Math.min(sendUpTo, at + 16_384)));
      }
      if (aborted) return;
      if (r.cutAfter !== undefined) return h.onError(socketError('UND_ERR_SOCKET'));
      if (r.holdAfter !== undefined) return;
      h.onComplete?.([]);
    });
    return true;
  }
}

/** The in-memory OTA model the scripted dispatcher falls back to. */
export interface FakeOta {
  pkg: Buffer;
  task: { tid: string; target: string; status: number; step: number | null; md5: string } | undefined;
  /** Per call: how many requests it got. */
  counts: Partial<Record<OtaCall, number>>;
  steps: number[];
  versionsReported: string[];
  answer: Script;
}

/** Builds the model: one task (unless `noTask`) for a package of `size` bytes. */
export function createFakeOta(opts: { size?: number; noTask?: boolean; target?: string } = {}): FakeOta {
  const pkg = Buffer.alloc(opts.size ?? 1000);
  for (let i = 0; i < pkg.length; i++) pkg[i] = (i * 31 + 7) & 0xff;
  const md5 = createHash('md5').update(pkg).digest('hex');
  const ota: FakeOta = {
    pkg,
    task: opts.noTask
      ? undefined
      : { tid: '42', target: opts.target ?? 'V2', status: TaskStatus.PENDING, step: null, md5 },
    counts: {},
    steps: [],
    versionsReported: [],
    answer: (req): ScriptReply | undefined => {
      const call = req.call;
      if (!call) return { status: 404 };
      ota.counts[call] = (ota.counts[call] ?? 0) + 1;
      const env = (errno: number, data?: unknown) => ({ body: encodeEnvelope('studio', errno, data) });
      const t = ota.task;
      switch (call) {
        case 'report-version':
          if (req.body) ota.versionsReported.push(req.body);
          return env(Errno.OK);
        case 'query-version':
          return env(Errno.OK, {});
        case 'check':
          if (!t || t.status > TaskStatus.UPGRADING) return env(Errno.NO_TASK);
          return env(
            Errno.OK,
            encodeCheckTask({
              target: t.target,
              tid: t.tid,
              size: pkg.length,
              md5: t.md5,
              status: t.status,
              type: 1,
            }),
          );
        case 'task-state':
          if (!t || req.route?.tid !== t.tid) return env(Errno.BAD_PARAM);
          return env(Errno.OK, encodeTaskState(t.status));
        case 'report-status': {
          if (!t || req.route?.tid !== t.tid) return env(Errno.BAD_PARAM);
          const step = (JSON.parse(req.body ?? '{}') as { step: number }).step;
          ota.steps.push(step);
          const r = applyStep(t.status, t.step, step, 'either');
          t.status = r.status;
          t.step = r.step;
          return env(r.errno);
        }
        case 'download': {
          if (!t || t.status > TaskStatus.UPGRADING)
            return { headers: { 'Ota-Errno': '5', 'Content-Length': '0' } };
          if (t.status === TaskStatus.PENDING) t.status = TaskStatus.DOWNLOADING;
          const r = resolveRange(req.headers.Range, pkg.length);
          if (r.status === 200) return { headers: { 'Ota-Errno': '0' }, body: pkg };
          return {
            status: 206,
            headers: {
              'Ota-Errno': '0',
              'Content-Range': `bytes ${r.start}-${r.end}/${pkg.length}`,
              'Content-Range-Start': String(r.start),
              'Content-Range-End': String(r.end),
            },
            body: pkg.subarray(r.start, r.end + 1),
          };
        }
      }
    },
  };
  return ota;
}

/** A recorder that keeps everything it is told, for assertions. */
export interface KeptRecorder extends Recorder {
  calls: { call: OtaCall; code?: string; tags?: Record<string, string> }[];
  counts: { name: string; n: number; tags?: Record<string, string> }[];
  samples: ErrorSample[];
  cuts: { call: OtaCall; us: number }[];
  /** Sum of counter `name`, optionally only where tag `k` = `v`. */
  total(name: string, tag?: [string, string]): number;
  errors(code?: string): number;
}

/** Creates a recorder that keeps what it is told. */
export function createKeptRecorder(): KeptRecorder {
  const r: KeptRecorder = {
    calls: [],
    counts: [],
    samples: [],
    cuts: [],
    recordCall(call, _us, code, tags) {
      const e: KeptRecorder['calls'][number] = { call };
      if (code !== undefined) e.code = code;
      if (tags) e.tags = tags as Record<string, string>;
      r.calls.push(e);
    },
    recordDuration() {},
    count(name, n = 1, tags) {
      const e: KeptRecorder['counts'][number] = { name, n };
      if (tags) e.tags = tags as Record<string, string>;
      r.counts.push(e);
    },
    recordCut(call, us) {
      r.cuts.push({ call, us });
    },
    sampleError(s) {
      r.samples.push(s);
    },
    gauge() {},
    snapshot: (now) => emptySnapshot(now, now),
    close() {},
    total(name, tag) {
      return r.counts
        .filter((c) => c.name === name && (!tag || c.tags?.[tag[0]] === tag[1]))
        .reduce((a, c) => a + c.n, 0);
    },
    errors(code) {
      return (
        r.calls.filter((c) => c.code !== undefined && (!code || c.code === code)).length +
        r.counts
          .filter((c) => c.name === 'errors' && (!code || c.tags?.code === code))
          .reduce((a, c) => a + c.n, 0)
      );
    },
  };
  return r;
}

/** Builds a profile from a partial profile input (defaults filled by the scenario schema). */
export function profileOf(input: Record<string, unknown> = {}): Profile {
  const s = scenarioSchema.parse({
    name: 't',
    seed: 1,
    fleet: { count: 1 },
    profiles: [{ name: 'p', ...input }],
  });
  return s.profiles[0]!;
}

/** Everything a device test needs; `run()` runs the device to its end (visit) or to the clock's limit. */
export interface DeviceRig {
  clock: ManualClock;
  dispatcher: ScriptedDispatcher;
  recorder: KeptRecorder;
  ota: FakeOta;
  ctx: CallContext;
  opts: DeviceOptions;
  run(): Promise<void>;
  /** The requests of one call, in order. */
  requests(call: OtaCall): SeenRequest[];
}

/** Options of a rig. */
export interface RigOptions {
  profile?: Record<string, unknown>;
  script?: Script;
  size?: number;
  noTask?: boolean;
  mode?: 'loop' | 'visit';
  /** Virtual time after which the clock stops (loop mode), ms. */
  limitMs?: number;
  credentials?: Credentials;
  seed?: number;
  inFlight?: InFlightRegistry;
  modules?: ModuleTypeValue[];
}

/** Builds a device wired to a scripted dispatcher and a manual clock. */
export function createRig(o: RigOptions = {}): DeviceRig {
  const clock = createManualClock(o.limitMs ?? 600_000);
  const ota = createFakeOta({
    ...(o.size !== undefined ? { size: o.size } : {}),
    ...(o.noTask ? { noTask: true } : {}),
  });
  const dispatcher = new ScriptedDispatcher((req, n) => o.script?.(req, n) ?? ota.answer(req, n));
  const recorder = createKeptRecorder();
  const profile = profileOf(o.profile);
  const ctx: CallContext = {
    dispatcher,
    reset: false,
    credentials:
      o.credentials ??
      fixedCredentials({ Authorization: 'version=2022-05-01&res=secret&et=1&method=md5&sign=x' }),
    timeoutMs: profile.requestTimeout,
    recorder,
    clock,
    rng: createRng(o.seed ?? 3),
    retry: profile.retry,
    expected: new Set([Errno.NO_TASK, Errno.TASK_FINISHED, Errno.TASK_CANCELLED]),
  };
  if (o.inFlight) ctx.inFlight = o.inFlight;
  const opts: DeviceOptions = {
    index: 1,
    name: 'dev-1',
    profile,
    modules: o.modules ?? [1],
    versions: { f_version: 'V1' },
    basePath: devicePath('p1', 'dev-1'),
    ctx,
    mode: o.mode ?? 'visit',
    bootAt: clock.now(),
  };
  return {
    clock,
    dispatcher,
    recorder,
    ota,
    ctx,
    opts,
    run: () => runDevice(opts),
    requests: (call) => dispatcher.seen.filter((r) => r.call === call),
  };
}
