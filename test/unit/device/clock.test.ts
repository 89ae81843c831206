import { describe, expect, it } from 'vitest';
import { createClock } from '../../../src/device/clock.ts';

describe('device clock', () => {
  it('wakes sleepers in time order, none early', async () => {
    const clock = createClock();
    const t0 = clock.now();
    const woke: [number, number][] = [];
    const delays = [30, 5, 20, 5, 0, 12];
    await Promise.all(delays.map((d, i) => clock.sleep(d).then(() => woke.push([i, clock.now() - t0]))));
    expect(woke.map(([i]) => delays[i])).toEqual([...delays].sort((a, b) => a - b));
    for (const [i, at] of woke) expect(at).toBeGreaterThanOrEqual(delays[i]! - 1);
  });
  it('stop() ends every pending sleep at once and later sleeps do not wait', async () => {
    const clock = createClock();
    const t0 = clock.now();
    const pending = Array.from({ length: 1000 }, (_, i) => clock.sleep(60_000 + i));
    setTimeout(() => clock.stop(), 20);
    await Promise.all([...pending, clock.whenStopped]);
    await clock.sleep(60_000);
    expect(clock.stopped).toBe(true);
    expect(clock.now() - t0).toBeLessThan(5000);
  });
  it('a sleep added earlier than the armed one re-arms the timer', async () => {
    const clock = createClock();
    const t0 = clock.now();
    const late = clock.sleep(200);
    await clock.sleep(10);
    expect(clock.now() - t0).toBeLessThan(150);
    await late;
    expect(clock.now() - t0).toBeGreaterThanOrEqual(199);
  });
  it('child(): stopping one device wakes only its sleep; the parent and siblings sleep on', async () => {
    const clock = createClock();
    const a = clock.child();
    const b = clock.child();
    let bWoke = false;
    const bSleep = b.sleep(60_000).then(() => {
      bWoke = true;
    });
    const aSleep = a.sleep(60_000);
    a.stop();
    await aSleep;
    await a.whenStopped;
    expect([a.stopped, b.stopped, clock.stopped]).toEqual([true, false, false]);
    await a.sleep(60_000); // later sleeps of a stopped child do not wait
    await new Promise((r) => setTimeout(r, 20));
    expect(bWoke).toBe(false);
    clock.stop();
    await bSleep;
    expect(b.stopped).toBe(true);
    await b.whenStopped;
  });
  it('child(): sleeps wake on time through the parent heap', async () => {
    const clock = createClock();
    const c = clock.child();
    const t0 = clock.now();
    await c.sleep(15);
    expect(clock.now() - t0).toBeGreaterThanOrEqual(14);
    expect(c.stopped).toBe(false);
  });
});
