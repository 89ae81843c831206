/** The stdin control protocol between a --processes parent and its `ota-fleet run --control-stdin` children. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { listenForControl } from '../../../src/engine/children.ts';

function listen() {
  const input = new PassThrough();
  const events: string[] = [];
  const stop = listenForControl(input, {
    stop: (reason) => events.push(`stop:${reason}`),
    interrupt: () => events.push('interrupt'),
  });
  return { input, events, stop };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('listenForControl', () => {
  it('ends the run normally on "stop <reason>", even when the line arrives in pieces', async () => {
    const { input, events } = listen();
    input.write('sto');
    input.write('p settled\ninterrupt\n');
    await tick();
    expect(events).toEqual(['stop:settled']);
  });

  it('interrupts on "interrupt" and when stdin ends (the parent is gone), once', async () => {
    const a = listen();
    a.input.write('interrupt\n');
    a.input.end();
    await tick();
    expect(a.events).toEqual(['interrupt']);
    const b = listen();
    b.input.end();
    await tick();
    expect(b.events).toEqual(['interrupt']);
  });

  it('hears nothing once the run is over and it stopped listening', async () => {
    const { input, events, stop } = listen();
    stop();
    input.end('interrupt\n');
    await tick();
    expect(events).toEqual([]);
  });
});
