import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/rng.ts';
import {
  applyFaultFlag,
  corruptBytes,
  createFaultInjector,
  parseFaultConfig,
} from '../../../src/server/faults.ts';

describe('parseFaultConfig', () => {
  it('accepts every documented key for a call or *', () => {
    const config = {
      '*': { latencyMs: 5, jitterMs: 2 },
      download: {
        truncateRate: 0.1,
        truncateFraction: 0.5,
        corruptRate: 0.1,
        corruptBytes: 2,
        stallMs: 'never',
        stallRate: 0.1,
      },
      check: { errorRate: 0.5, errno: 7, httpErrorRate: 0.1, httpStatus: 500, resetRate: 0.01 },
    };
    expect(parseFaultConfig(config)).toEqual({ ok: true, config });
  });
  it('reports every problem with its place', () => {
    const r = parseFaultConfig({
      chek: {},
      check: { errorRate: 1.5, httpStatus: 404, latencyMs: -1, bogus: 1 },
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.errors).toHaveLength(5);
      expect(r.errors.join('\n')).toMatch(
        /chek: unknown call[\s\S]*check.errorRate[\s\S]*check.httpStatus[\s\S]*check.latencyMs[\s\S]*check.bogus: unknown key/,
      );
    }
    expect(parseFaultConfig([]).ok).toBe(false);
  });
});

describe('applyFaultFlag', () => {
  it('adds CALL.KEY=VALUE flags one by one', () => {
    let c = applyFaultFlag({}, 'check.latencyMs=50');
    c = typeof c === 'string' ? c : applyFaultFlag(c, '*.resetRate=0.2');
    c = typeof c === 'string' ? c : applyFaultFlag(c, 'download.stallMs=never');
    expect(c).toEqual({ check: { latencyMs: 50 }, '*': { resetRate: 0.2 }, download: { stallMs: 'never' } });
  });
  it('returns a message for a malformed or invalid flag', () => {
    expect(applyFaultFlag({}, 'check=1')).toMatch(/CALL.KEY=VALUE/);
    expect(applyFaultFlag({}, 'check.errorRate=x')).toMatch(/errorRate: must be a number/);
    expect(applyFaultFlag({}, 'update.latencyMs=1')).toMatch(/unknown call/);
  });
});

describe('createFaultInjector', () => {
  it('plans nothing for a call without faults, and merges * under the call keys', () => {
    const f = createFaultInjector({ '*': { latencyMs: 10, errorRate: 1 }, check: { errorRate: 0 } }, 1);
    expect(f.plan('check')).toMatchObject({ delayMs: 10, action: 'none' });
    expect(f.plan('download')).toMatchObject({ delayMs: 10, action: 'errno', errno: 3 });
    expect(f.plan('task-state')).toMatchObject({ action: 'errno', errno: 7 });
    f.setConfig({});
    expect(f.plan('check')).toBeUndefined();
  });
  it('honours a rate over a fixed number of draws, reproducibly for one seed', () => {
    const run = (seed: number) => {
      const f = createFaultInjector({ check: { resetRate: 0.25 } }, seed);
      let n = 0;
      for (let i = 0; i < 1000; i++) if (f.plan('check')?.action === 'reset') n++;
      return n;
    };
    expect(run(3)).toBe(run(3));
    expect(run(3)).toBeGreaterThan(200);
    expect(run(3)).toBeLessThan(300);
  });
  it('plans truncation and corruption for downloads only', () => {
    const f = createFaultInjector({ '*': { truncateRate: 1, corruptRate: 1, corruptBytes: 4 } }, 1);
    expect(f.plan('download')).toMatchObject({ truncateFraction: 0.5, corruptBytes: 4 });
    expect(f.plan('check')?.truncateFraction).toBeUndefined();
  });
});

describe('corruptBytes', () => {
  it('flips exactly n distinct bytes of a copy', () => {
    const src = Buffer.alloc(100, 0x11);
    const out = corruptBytes(src, 5, mulberry32(1));
    expect(src.every((b) => b === 0x11)).toBe(true);
    expect(out.filter((b) => b === 0xee).length).toBe(5);
    expect(corruptBytes(Buffer.alloc(2), 5, mulberry32(1)).filter((b) => b === 0xff).length).toBe(2);
  });
});
