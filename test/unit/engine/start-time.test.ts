import { describe, expect, it } from 'vitest';
import { parseStartAt } from '../../../src/cli/run.ts';
import { LATE_START_TOLERANCE_MS, startTime } from '../../../src/engine/run.ts';

const NOW = Date.UTC(2026, 11, 4, 20, 0, 0);

describe('--start-at: shards on one clock', () => {
  it('parses an ISO time with a zone, +DURATION from now, and epoch ms', () => {
    expect(parseStartAt('2026-12-04T20:01:00Z', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('2026-12-04T21:01:00+01:00', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('+30s', NOW)).toBe(NOW + 30_000);
    expect(parseStartAt(String(NOW + 5), NOW)).toBe(NOW + 5);
    expect(parseStartAt(NOW + 7, NOW)).toBe(NOW + 7);
  });

  it('refuses a time without a zone and words', () => {
    expect(() => parseStartAt('2026-12-04T20:01:00', NOW)).toThrow(
      /--start-at must be an ISO time with a zone/,
    );
    expect(() => parseStartAt('soon', NOW)).toThrow(/--start-at/);
    expect(() => parseStartAt('+soon', NOW)).toThrow(/--start-at/);
  });

  it('keeps a start in the future and one a moment late (caught up)', () => {
    expect(startTime(NOW + 5000, NOW)).toEqual({ startedAt: NOW + 5000 });
    expect(startTime(NOW - LATE_START_TOLERANCE_MS, NOW)).toEqual({
      startedAt: NOW - LATE_START_TOLERANCE_MS,
    });
    expect(startTime(undefined, NOW)).toEqual({ startedAt: NOW + 200 });
  });

  it('starts a late shard at once and says by how much it was late', () => {
    const t = startTime(NOW - 12_300, NOW);
    expect(t.startedAt).toBe(NOW);
    expect(t.lateNote).toBe(
      'Started 12.3 s late: --start-at was 2026-12-04T19:59:47.700Z, this run started at once at 2026-12-04T20:00:00.000Z.',
    );
  });
});

describe('--processes children keep their parent clock', () => {
  it('catches up however late when the tolerance is Infinity', () => {
    expect(startTime(NOW - 60_000, NOW, Number.POSITIVE_INFINITY)).toEqual({ startedAt: NOW - 60_000 });
  });
});
