/** A manual clock and a recording host for load-model tests: time moves only when the test says. */
import type { DeviceHandle, DeviceMode, LoadClock, LoadHost } from '../../../src/load/model.ts';

/** A LoadClock whose time moves only through `advanceTo`; due sleepers wake in time order. */
export interface ManualClock extends LoadClock {
  advanceTo(at: number): Promise<void>;
  stop(): void;
}

const flush = () => new Promise<void>((r) => setImmediate(r));

export function createManualClock(start = 0): ManualClock {
  let now = start;
  let stopped = false;
  let sleepers: { at: number; resolve: () => void }[] = [];
  const sleepUntil = (at: number) =>
    stopped || at <= now ? Promise.resolve() : new Promise<void>((resolve) => sleepers.push({ at, resolve }));
  return {
    now: () => now,
    sleep: (ms) => sleepUntil(now + ms),
    sleepUntil,
    get stopped() {
      return stopped;
    },
    stop() {
      stopped = true;
      for (const s of sleepers.splice(0)) s.resolve();
    },
    async advanceTo(at) {
      await flush();
      for (;;) {
        sleepers.sort((a, b) => a.at - b.at);
        const next = sleepers[0];
        if (next === undefined || next.at > at) break;
        sleepers = sleepers.slice(1);
        now = Math.max(now, next.at);
        next.resolve();
        await flush();
      }
      now = Math.max(now, at);
      await flush();
    },
  };
}

/** One device the host started. */
export interface StartedDevice {
  index: number;
  bootAt: number;
  mode: DeviceMode;
  stoppable: boolean;
  stoppedAt?: number;
  endedAt?: number;
}

/**
 * A LoadHost that records starts and stops; a stopped device ends `inFlightMs` later on the manual
 * clock (its in-flight request finishing), a visit ends `visitMs` after it starts.
 */
export function createRecordingHost(clock: ManualClock, o: { inFlightMs?: number; visitMs?: number } = {}) {
  const started: StartedDevice[] = [];
  let dropped = 0;
  const host: LoadHost = {
    start(index, bootAt, mode, stoppable = false): DeviceHandle {
      const d: StartedDevice = { index, bootAt, mode, stoppable };
      started.push(d);
      let stop: () => void = () => {};
      const stopRequested = new Promise<void>((r) => {
        stop = r;
      });
      const ends =
        mode === 'visit'
          ? clock.sleep(o.visitMs ?? 1000)
          : stopRequested.then(() => clock.sleep(o.inFlightMs ?? 0));
      const ended = ends.then(() => {
        d.endedAt = clock.now();
      });
      return {
        index,
        stop: () => {
          d.stoppedAt ??= clock.now();
          stop();
        },
        ended,
      };
    },
    dropStart: () => {
      dropped++;
    },
    active: () => started.filter((d) => d.endedAt === undefined).length,
  };
  return {
    host,
    started,
    dropped: () => dropped,
    /** Indexes of devices running now (started, not told to stop). */
    running: () => started.filter((d) => d.stoppedAt === undefined).map((d) => d.index),
  };
}
