import { describe, expect, it } from 'vitest';
import { formatRange, parseContentRange, resolveRange } from '../../../src/ota/range.ts';
import { readRangeVectors } from '../../helpers/vectors.ts';

const vectors = readRangeVectors();

describe('resolveRange follows every case of the shared Range vectors', () => {
  it('has cases to check', () => {
    expect(vectors.cases.length).toBeGreaterThan(20);
  });
  for (const c of vectors.cases) {
    it(`${JSON.stringify(c.range)} → ${c.status} ${c.start}-${c.end}`, () => {
      expect(resolveRange(c.range, vectors.length)).toEqual({ status: c.status, start: c.start, end: c.end });
    });
  }
});

describe('range helpers', () => {
  it('formats open and closed ranges a server resolves back to the same bounds', () => {
    expect(resolveRange(formatRange(10, 19), 100)).toEqual({ status: 206, start: 10, end: 19 });
    expect(resolveRange(formatRange(90), 100)).toEqual({ status: 206, start: 90, end: 99 });
  });
  it('parses Content-Range and rejects junk', () => {
    expect(parseContentRange('bytes 0-99/1000')).toEqual({ start: 0, end: 99, total: 1000 });
    expect(parseContentRange('bytes */1000')).toBeUndefined();
    expect(parseContentRange(undefined)).toBeUndefined();
  });
  it('answers an empty package with 200', () => {
    expect(resolveRange('bytes=0-10', 0).status).toBe(200);
  });
});
