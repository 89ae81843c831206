import { describe, expect, it } from 'vitest';
import { assertFitsFdLimit, openFilesLimit, socketsNeeded } from '../../../src/engine/fd-limit.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

const base = scenarioSchema.parse({ name: 'fd', fleet: { count: 30_000 } });

describe('open-files limit', () => {
  it('reads a finite limit on this machine', () => {
    expect(openFilesLimit()).toBeGreaterThan(100);
  });
  it('refuses a per-device fleet bigger than the limit, naming the limit and the fixes', () => {
    expect(() => assertFitsFdLimit(base, 30_000, 2, 20_000)).toThrowError(
      /30000 sockets.*at most 20000 files.*connections.mode: shared.*--processes/s,
    );
  });
  it('accepts the same fleet on a shared pool, which holds only poolSize sockets', () => {
    const shared = scenarioSchema.parse({
      name: 'fd',
      fleet: { count: 30_000 },
      connections: { mode: 'shared', poolSize: 200 },
    });
    expect(socketsNeeded(shared, 30_000, 2)).toBe(200);
    expect(() => assertFitsFdLimit(shared, 30_000, 2, 20_000)).not.toThrow();
  });
  it('counts only maxDevices for an open model', () => {
    const open = scenarioSchema.parse({
      name: 'fd',
      fleet: { count: 100_000 },
      load: { model: 'arrival-rate', phases: [{ duration: '10s', rate: 100 }], maxDevices: 5000 },
    });
    expect(socketsNeeded(open, 100_000, 2)).toBe(5000);
  });
});
