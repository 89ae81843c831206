/**
 * A piscina worker: runs its slice of the fleet on undici for the whole run, posts a metrics snapshot
 * every second, stops when told. No top-level await (PITFALLS: piscina's loader fallback).
 */

import pino, { type Logger } from 'pino';
import type { CallContext } from '../device/calls.ts';
import { type Clock, createClock } from '../device/clock.ts';
import { runDevice } from '../device/device.ts';
import type { MqttSettings } from '../device/mqtt.ts';
import { createRng, deviceSeed, pickWeighted } from '../device/random.ts';
import { type CodedError, errorCodeOf } from '../error-codes.ts';
import type { DeviceMode, FleetFacts, LoadHost, WorkerSlice } from '../load/model.ts';
import { loadModelOf } from '../load/models.ts';
import { createNullRecorder, createRecorder, initMetrics, type Recorder } from '../metrics/recorder.ts';
import { Errno, ModuleType, type ModuleTypeValue } from '../ota/codes.ts';
import { assignFleetVersions } from '../ota/fleet-versions.ts';
import { devicePath } from '../ota/routes.ts';
import { deviceName } from '../scenario/names.ts';
import type { Profile } from '../scenario/schema.ts';
import { createDispatcherSet } from '../transport/dispatchers.ts';
import { createInFlightRegistry } from '../transport/in-flight.ts';
import type { MainMessage, WorkerDone, WorkerInit, WorkerMessage } from './protocol.ts';
import { createTokenSource } from './tokens.ts';

/** Longest wait after the stop for in-flight requests to end by themselves, ms (then they are cut). */
const MAX_GRACE_MS = 1000;

/** Runs one worker's devices until stopped; resolves with the final snapshot. */
export default async function runWorker(init: WorkerInit): Promise<WorkerDone> {
  const { scenario: s, port } = init;
  await initMetrics({ wasm: init.wasm });
  const inner: Recorder = init.measure ? createRecorder() : createNullRecorder();
  let recording = true;
  const log = createWorkerLogger(init);
  const recorder = gatedRecorder(inner, () => recording, log);
  const clock = createClock();
  const inFlight = createInFlightRegistry();
  const dispatchers = createDispatcherSet({
    origin: init.target.origin,
    mode: s.connections.mode,
    poolSize: Math.max(1, Math.ceil(s.connections.poolSize / init.workerCount)),
    ...(s.connections.localAddresses ? { localAddresses: s.connections.localAddresses } : {}),
    connectTimeoutMs: 10_000,
  });
  const tokens = createTokenSource(s, init.target);
  const profiles = s.profiles.map((p) => ({ value: p, weight: p.weight }));
  const modules: ModuleTypeValue[] = s.fleet.modules.map((m) =>
    m === 'fota' ? ModuleType.FOTA : ModuleType.SOTA,
  );
  const expected = new Set<number>([s.target.noTaskErrno, Errno.TASK_FINISHED, Errno.TASK_CANCELLED]);
  const t0 = clock.now() + (init.startEpochMs - Date.now());
  let active = 0;
  const broker = init.target.mqttUrl ? new URL(init.target.mqttUrl) : undefined;
  const post = (m: WorkerMessage) => port.postMessage(m);
  const timer = setInterval(() => {
    recorder.gauge('devices_active', active);
    post({ type: 'snapshot', workerIndex: init.workerIndex, snapshot: inner.snapshot(Date.now()) });
  }, init.snapshotIntervalMs);
  let graceMs = 2000;
  port.on('message', (m: MainMessage) => {
    if (m.type === 'stop') {
      graceMs = m.graceMs;
      clock.stop();
    }
  });

  // `clock` here is the device's own: the worker clock, or a stoppable child of it (ramp-down)
  const launch = (index: number, bootAt: number, mode: DeviceMode, clock: Clock): Promise<void> => {
    const name = deviceName(s.fleet.namePattern, index);
    const rng = createRng(deviceSeed(s.seed, index));
    const profile = pickWeighted(profiles, rng.next());
    const ctx: CallContext = {
      dispatcher: dispatchers.forDevice(index),
      reset: dispatchers.resetEachRequest,
      credentials: tokens.credentialsFor(name),
      timeoutMs: profile.requestTimeout,
      inFlight,
      recorder,
      clock,
      rng,
      retry: profile.retry,
      expected,
    };
    active++;
    return runDevice({
      index,
      name,
      profile,
      modules,
      versions: assignFleetVersions(s.fleet.versions, index, s.seed),
      basePath: devicePath(init.target.productId, name),
      ctx,
      mode,
      bootAt,
      ...(broker && profile.notify !== 'poll'
        ? { mqtt: { settings: mqttSettings(profile, broker), productId: init.target.productId } }
        : {}),
    })
      .catch((err: unknown) => {
        post({ type: 'error', workerIndex: init.workerIndex, error: codedError(err) });
      })
      .finally(() => {
        active--;
        if (mode === 'visit') dispatchers.release(index);
      });
  };

  const running: Promise<void>[] = [];
  const host: LoadHost = {
    start(index, bootAt, mode, stoppable = false) {
      const own = stoppable ? clock.child() : clock;
      const ended = launch(index, bootAt, mode, own);
      running.push(ended);
      return { index, stop: () => own.stop(), ended };
    },
    dropStart: () => recorder.count('device_starts_dropped'),
    active: () => active,
  };
  const slice: WorkerSlice = {
    first: init.first,
    last: init.last,
    fleetCount: s.fleet.count,
    worker: init.workerIndex,
    workers: init.workerCount,
    t0,
  };
  try {
    await loadModelOf(s.load).run(s.load, fleetFacts(s), slice, clock, host);
  } catch (err) {
    // a bug, not a server's doing: say so to the main thread, keep what was measured
    post({ type: 'error', workerIndex: init.workerIndex, error: codedError(err) });
    clock.stop();
  }
  await waitStopped(clock, running, () => Math.min(graceMs, MAX_GRACE_MS));
  // every request still in flight is counted once as cut (with its age), then the recorder closes so
  // its later failure (the dispatchers are destroyed, not closed: close() waits for stuck requests)
  // is not counted again
  inFlight.cutAll((call, us) => recorder.recordCut(call, us));
  recording = false;
  clearInterval(timer);
  await dispatchers.destroy();
  post({ type: 'final', workerIndex: init.workerIndex, snapshot: inner.snapshot(Date.now()) });
  inner.close();
  port.close();
  return { workerIndex: init.workerIndex };
}

/** A push profile's MQTT session settings against the target's broker. */
function mqttSettings(profile: Profile, broker: URL): MqttSettings {
  return {
    host: broker.hostname.replace(/^\[|\]$/g, ''),
    port: Number(broker.port || 1883),
    keepaliveSec: Math.max(1, Math.round(profile.mqtt.keepalive / 1000)),
    connectTimeoutMs: profile.mqtt.connectTimeout,
    reconnect: { baseDelay: profile.mqtt.reconnectDelay, maxDelay: profile.mqtt.reconnectMaxDelay },
  };
}

/** What the load models read of the fleet section. */
function fleetFacts(s: WorkerInit['scenario']): FleetFacts {
  return { count: s.fleet.count, bootOverMs: s.fleet.boot.over };
}

/** An error as it may cross a thread: `{ code, message }` only. */
function codedError(err: unknown): CodedError {
  return { code: errorCodeOf(err), message: err instanceof Error ? err.message : String(err) };
}

/** Waits for the stop signal (or for every device to end), then gives in-flight calls `graceMs` to finish. */
async function waitStopped(
  clock: ReturnType<typeof createClock>,
  running: Promise<void>[],
  graceMs: () => number,
): Promise<void> {
  const all = Promise.allSettled(running);
  const ended = await Promise.race([all.then(() => true), clock.whenStopped.then(() => false)]);
  if (ended) return;
  await Promise.race([all, new Promise((r) => setTimeout(r, graceMs()))]);
}

/** A pino logger to stderr for `--log-level debug` (one line per failed request); none at other levels. */
function createWorkerLogger(init: WorkerInit): Logger | undefined {
  const level = init.logLevel;
  if (level !== 'debug' && level !== 'trace') return undefined;
  return pino(
    { level, base: { pid: process.pid, worker: init.workerIndex } },
    pino.destination({ dest: 2, sync: true }),
  );
}

/**
 * A Recorder that drops everything once `on()` turns false (in-flight calls cut by the stop). With a
 * debug logger, each failed request offered as a sample is also logged as one line.
 */
function gatedRecorder(r: Recorder, on: () => boolean, log?: Logger): Recorder {
  return {
    recordCall: (call, micros, code, tags) => {
      if (on()) r.recordCall(call, micros, code, tags);
    },
    recordCut: (call, us) => {
      if (on()) r.recordCut(call, us);
    },
    sampleError: (sample) => {
      if (!on()) return;
      r.sampleError(sample);
      log?.debug({ module: 'device', ...sample }, 'request failed');
    },
    recordDuration: (m, us) => {
      if (on()) r.recordDuration(m, us);
    },
    count: (name, n, tags) => {
      if (on()) r.count(name, n, tags);
    },
    gauge: (name, v) => r.gauge(name, v),
    snapshot: (now) => r.snapshot(now),
    close: () => r.close(),
  };
}
