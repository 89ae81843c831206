/**
 * A piscina worker: runs its slice of the fleet on undici for the whole run, posts a metrics snapshot
 * every second, stops when told. No top-level await (PITFALLS: piscina's loader fallback).
 */

import type { CallContext } from '../device/calls.ts';
import { type Clock, createClock } from '../device/clock.ts';
import { runDevice } from '../device/device.ts';
import { createRng, deviceSeed, pickWeighted } from '../device/random.ts';
import { type CodedError, errorCodeOf } from '../error-codes.ts';
import type { DeviceMode, FleetFacts, LoadHost, WorkerSlice } from '../load/model.ts';
import { loadModelOf } from '../load/models.ts';
import { createNullRecorder, createRecorder, initMetrics, type Recorder } from '../metrics/recorder.ts';
import { ModuleType, type ModuleTypeValue } from '../ota/codes.ts';
import { assignFleetVersions } from '../ota/fleet-versions.ts';
import { devicePath } from '../ota/routes.ts';
import { deviceName } from '../scenario/names.ts';
import { createDispatcherSet } from '../transport/dispatchers.ts';
import type { MainMessage, WorkerDone, WorkerInit, WorkerMessage } from './protocol.ts';
import { createTokenSource } from './tokens.ts';

/** Runs one worker's devices until stopped; resolves with the final snapshot. */
export default async function runWorker(init: WorkerInit): Promise<WorkerDone> {
  const { scenario: s, port } = init;
  await initMetrics({ wasm: init.wasm });
  const inner: Recorder = init.measure ? createRecorder() : createNullRecorder();
  let recording = true;
  const recorder = gatedRecorder(inner, () => recording);
  const clock = createClock();
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
  const expected = new Set<number>([s.target.noTaskErrno, 20, 22]);
  const t0 = clock.now() + (init.startEpochMs - Date.now());
  let active = 0;
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
    const headers = tokens.headersFor(name);
    const ctx: CallContext = {
      dispatcher: dispatchers.forDevice(index),
      reset: dispatchers.resetEachRequest,
      headers,
      postHeaders: postHeadersFor(headers),
      timeoutMs: profile.requestTimeout,
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
    })
      .catch((err: unknown) => {
        post({ type: 'error', workerIndex: init.workerIndex, error: codedError(err) });
      })
      .finally(() => {
        active--;
        if (mode === 'visit') dispatchers.release(index);
      });
  };

  // product-level tokens share one headers object: share its POST variant too (memory per device)
  const postHeaders = new WeakMap<Record<string, string>, Record<string, string>>();
  const postHeadersFor = (h: Record<string, string>) => {
    let p = postHeaders.get(h);
    if (!p) {
      p = { ...h, 'Content-Type': 'application/json' };
      postHeaders.set(h, p);
    }
    return p;
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
  await waitStopped(clock, running, () => graceMs);
  recording = false;
  clearInterval(timer);
  await dispatchers.close();
  post({ type: 'final', workerIndex: init.workerIndex, snapshot: inner.snapshot(Date.now()) });
  inner.close();
  port.close();
  return { workerIndex: init.workerIndex };
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

/** A Recorder that drops everything once `on()` turns false (in-flight calls cut by the stop). */
function gatedRecorder(r: Recorder, on: () => boolean): Recorder {
  return {
    recordCall: (call, micros, code, tags) => {
      if (on()) r.recordCall(call, micros, code, tags);
    },
    recordCut: (call, us) => {
      if (on()) r.recordCut(call, us);
    },
    sampleError: (sample) => {
      if (on()) r.sampleError(sample);
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
