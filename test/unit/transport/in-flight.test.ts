import { describe, expect, it } from 'vitest';
import { createInFlightRegistry } from '../../../src/transport/in-flight.ts';
import { sendRequest, streamRequest } from '../../../src/transport/request.ts';
import { ScriptedDispatcher } from '../../helpers/device-harness.ts';

const spec = (timeoutMs: number, intendedAt: number) =>
  ({ call: 'check', method: 'GET', path: '/ota/p/d/check', headers: {}, timeoutMs, intendedAt }) as const;

describe('in-flight registry', () => {
  it('expires a stalled JSON request at its deadline with ERR_TRANSPORT_DEADLINE', async () => {
    let now = 0;
    const reg = createInFlightRegistry({ tickMs: 0, now: () => now });
    const stalled = new ScriptedDispatcher(() => ({ stall: true }));
    const p = sendRequest(stalled, spec(5000, 0), reg);
    await new Promise((r) => setImmediate(r));
    expect(reg.size).toBe(1);
    now = 4999;
    expect(reg.expireDue(now)).toBe(0);
    now = 5000;
    expect(reg.expireDue(now)).toBe(1);
    const r = await p;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('ERR_TRANSPORT_DEADLINE');
    expect(reg.size).toBe(0);
  });

  it('a request queued before it gets a connection still settles at its deadline', async () => {
    let now = 0;
    const reg = createInFlightRegistry({ tickMs: 0, now: () => now });
    // a dispatcher that never even connects the request
    const queued = new (class extends ScriptedDispatcher {
      override dispatch() {
        return true;
      }
    })(() => undefined);
    const p = sendRequest(queued, spec(100, 0), reg);
    now = 100;
    reg.expireDue(now);
    const r = await p;
    expect(!r.ok && r.code).toBe('ERR_TRANSPORT_DEADLINE');
  });

  it('removes completed requests, so only the ones in flight are cut, each once, with their age', async () => {
    let now = 0;
    const reg = createInFlightRegistry({ tickMs: 0, now: () => now });
    const fast = new ScriptedDispatcher(() => ({ body: '{"errno":0}' }));
    const stalled = new ScriptedDispatcher(() => ({ stall: true }));
    await sendRequest(fast, spec(1000, 0), reg);
    void sendRequest(stalled, spec(1000, 10), reg);
    void sendRequest(stalled, { ...spec(30_000, 20), call: 'download' }, reg);
    expect(reg.size).toBe(2);
    now = 520;
    const cuts: [string, number][] = [];
    expect(reg.cutAll((call, us) => cuts.push([call, us]))).toBe(2);
    expect(cuts.sort()).toEqual([
      ['check', 510_000],
      ['download', 500_000],
    ]);
    expect(reg.size).toBe(0);
    expect(reg.cutAll(() => cuts.push(['again', 0]))).toBe(0);
  });

  it('keeps deadlines of different timeouts apart (a short one behind a long one still expires)', () => {
    const reg = createInFlightRegistry({ tickMs: 0, now: () => 0 });
    const expired: string[] = [];
    const entry = (name: string) => ({
      call: 'check' as const,
      intendedAt: 0,
      deadlineAt: 0,
      prev: undefined,
      next: undefined,
      list: undefined,
      expire: () => expired.push(name),
    });
    reg.add(entry('long'), 30_000);
    reg.add(entry('short'), 100);
    reg.expireDue(100);
    expect(expired).toEqual(['short']);
  });

  it('expires a download whose body drips past the deadline (plus the device own time)', async () => {
    let now = 0;
    const reg = createInFlightRegistry({ tickMs: 0, now: () => now });
    let got = 0;
    const dripping = new ScriptedDispatcher(() => ({
      headers: { 'Ota-Errno': '0' },
      body: Buffer.alloc(40_000),
      holdAfter: 1000,
    }));
    const p = streamRequest(
      dripping,
      { ...spec(1000, 0), call: 'download' },
      () => true,
      (chunk) => {
        got += chunk.length;
        return 'continue';
      },
      { registry: reg, ownTimeMs: 500 },
    );
    await new Promise((r) => setTimeout(r, 5));
    now = 1499;
    expect(reg.expireDue(now)).toBe(0);
    now = 1500;
    expect(reg.expireDue(now)).toBe(1);
    const r = await p;
    expect(got).toBe(1000);
    expect(r.ok && r.failure?.code).toBe('ERR_TRANSPORT_DEADLINE');
  });
});
