/** sendPaced: a body sent at a capped rate, slice by slice on an injected (manual) timer. */
import { describe, expect, it } from 'vitest';
import { type PacedSink, sendPaced, sliceBytes } from '../../../src/server/paced.ts';

function manualScheduler() {
  const due: { at: number; fn: () => void }[] = [];
  let now = 0;
  return {
    schedule: (ms: number, fn: () => void) => void due.push({ at: now + ms, fn }),
    get now() {
      return now;
    },
    /** Runs timers in time order until none is left; returns the time the last one ran at. */
    runAll(): number {
      for (let next = due.shift(); next; next = due.shift()) {
        now = next.at;
        next.fn();
      }
      return now;
    },
    pending: () => due.length,
  };
}

function sink() {
  const chunks: { at: number; bytes: Buffer }[] = [];
  let ended = false;
  const s: PacedSink & { destroyed: boolean } = {
    destroyed: false,
    write: (chunk) => {
      chunks.push({ at: clock.now, bytes: Buffer.from(chunk) });
      return true;
    },
    end: () => {
      ended = true;
    },
  };
  const clock = manualScheduler();
  return { s, chunks, clock, ended: () => ended };
}

describe('sendPaced', () => {
  it('sends 2048 bytes/s as 204-byte slices every 100 ms, the exact bytes, then ends', () => {
    const body = Buffer.from(Array.from({ length: 10_000 }, (_, i) => i & 0xff));
    const { s, chunks, clock, ended } = sink();
    sendPaced(s, body, 2048, clock.schedule);
    expect(chunks).toHaveLength(1);
    const last = clock.runAll();
    expect(ended()).toBe(true);
    expect(Buffer.concat(chunks.map((c) => c.bytes)).equals(body)).toBe(true);
    expect(chunks.every((c, i) => c.at === i * 100)).toBe(true);
    expect(chunks.slice(0, -1).every((c) => c.bytes.length === 204)).toBe(true);
    // 10 000 bytes at 2048 B/s: 50 slices, the last one 4.9 s after the first.
    expect(chunks).toHaveLength(Math.ceil(10_000 / 204));
    expect(last).toBe(4900);
  });

  it('stops when the device goes away, and never schedules after the end', () => {
    const { s, chunks, clock, ended } = sink();
    sendPaced(s, Buffer.alloc(5000), 1000, clock.schedule);
    s.destroyed = true;
    clock.runAll();
    expect(chunks).toHaveLength(1);
    expect(ended()).toBe(false);
    expect(clock.pending()).toBe(0);
  });

  it('makes progress at any positive rate', () => {
    expect(sliceBytes(1)).toBe(1);
    expect(sliceBytes(2048)).toBe(204);
  });
});
