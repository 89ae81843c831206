import { describe, expect, it } from 'vitest';
import { holds, parseExpression, parseQuantity } from '../../../src/metrics/threshold-expression.ts';

const ok = (text: string) => {
  const r = parseExpression(text);
  if (!r.ok) throw new Error(`${text}: ${r.error.message} (column ${r.error.column})`);
  const { aggregation, op, bound } = r.value;
  return { aggregation, op, bound };
};
const err = (text: string) => {
  const r = parseExpression(text);
  if (r.ok) throw new Error(`${text} parsed`);
  return `${r.error.message} @${r.error.column}`;
};

describe('parseExpression: the forms of the issue', () => {
  it('reads percentiles as p(N), pN and pN_M / pN.M, and med', () => {
    expect(ok('p(99) < 200ms')).toEqual({
      aggregation: { kind: 'percentile', p: 99 },
      op: '<',
      bound: { value: 200, unit: 'ms' },
    });
    expect(ok('p(99.9)<=1s').aggregation).toEqual({ kind: 'percentile', p: 99.9 });
    expect(ok('p50 < 20ms').aggregation).toEqual({ kind: 'percentile', p: 50 });
    expect(ok('p99_9 < 20ms').aggregation).toEqual({ kind: 'percentile', p: 99.9 });
    expect(ok('p99.9 < 20ms').aggregation).toEqual({ kind: 'percentile', p: 99.9 });
    expect(ok('med < 20ms').aggregation).toEqual({ kind: 'percentile', p: 50 });
  });

  it('reads an expression without aggregation (the metric default) and a percentage', () => {
    expect(ok('> 99.5%')).toEqual({ aggregation: undefined, op: '>', bound: { value: 99.5, unit: '%' } });
  });

  it('reads rollout aggregations: pN_time, fraction and fraction@DURATION', () => {
    expect(ok('p50_time < 2m')).toEqual({
      aggregation: { kind: 'time_to', fraction: 0.5 },
      op: '<',
      bound: { value: 2, unit: 'm' },
    });
    expect(ok('fraction@10m >= 0.95')).toEqual({
      aggregation: { kind: 'fraction', atMs: 600_000 },
      op: '>=',
      bound: { value: 0.95 },
    });
    expect(ok('fraction > 90%').aggregation).toEqual({ kind: 'fraction' });
  });

  it('reads count, rate, avg (and mean), min, max and value', () => {
    expect(ok('count < 10').aggregation).toEqual({ kind: 'count' });
    expect(ok('rate < 0.5').aggregation).toEqual({ kind: 'rate' });
    expect(ok('avg < 5ms').aggregation).toEqual({ kind: 'avg' });
    expect(ok('mean < 5ms').aggregation).toEqual({ kind: 'avg' });
    expect(ok('min > 1us').aggregation).toEqual({ kind: 'min' });
    expect(ok('max < 1h').aggregation).toEqual({ kind: 'max' });
    expect(ok('value == 0').aggregation).toEqual({ kind: 'value' });
  });

  it('reads every operator and unit, with or without spaces', () => {
    for (const op of ['<', '<=', '>', '>=', '==', '!='] as const) expect(ok(`count ${op} 1`).op).toBe(op);
    expect(ok('p(99)<200ms').bound).toEqual({ value: 200, unit: 'ms' });
    expect(ok('  max   <   3 s  ').bound).toEqual({ value: 3, unit: 's' });
    expect(ok('max < 250µs').bound).toEqual({ value: 250, unit: 'us' });
    expect(ok('max < 250us').bound).toEqual({ value: 250, unit: 'us' });
    expect(ok('max < .5h').bound).toEqual({ value: 0.5, unit: 'h' });
  });
});

describe('parseExpression: errors name the column', () => {
  it('rejects unknown units and aggregations', () => {
    expect(err('p(99) < 200xs')).toBe('unknown unit "xs" (use ms, s, m, h, µs, us or %) @12');
    expect(err('p999x < 2')).toMatch(/^unknown aggregation "p999x" \(use p\(N\), pN, med/);
    expect(err('average < 2ms')).toMatch(/@1$/);
  });
  it('wants an operator and a number', () => {
    expect(err('avg 20ms')).toBe('expected an operator (<, <=, >, >=, ==, !=) but found "20ms" @5');
    expect(err('count = 3')).toBe('use == to compare for equality @7');
    expect(err('count <')).toBe('expected a number but found the end @8');
    expect(err('count < -1')).toBe('a number must not be negative @9');
    expect(err('count < 3 4')).toBe('unexpected "4" after the number @11');
    expect(err('')).toBe('is empty: write e.g. "p(99) < 200ms" @1');
  });
  it('checks percentiles and fraction@', () => {
    expect(err('p(101) < 2ms')).toBe('percentile must be above 0 and at most 100 (got 101) @3');
    expect(err('p(0) < 2ms')).toBe('percentile must be above 0 and at most 100 (got 0) @3');
    expect(err('p(99 < 2ms')).toBe('expected ")" to close p( at column 1 @6');
    expect(err('p() < 2ms')).toBe('expected a percentile like p(99) but found ") < 2ms" @3');
    expect(err('fraction@10 > 1%')).toBe('fraction@ needs a duration with a unit, e.g. 10m @10');
  });
});

describe('parseQuantity and holds', () => {
  it('parses policy amounts', () => {
    expect(parseQuantity('10%')).toEqual({ ok: true, value: { value: 10, unit: '%' } });
    expect(parseQuantity('2 ms')).toEqual({ ok: true, value: { value: 2, unit: 'ms' } });
    expect(parseQuantity('2ms extra')).toMatchObject({ ok: false });
  });
  it('compares with each operator', () => {
    expect([holds(1, '<', 2), holds(2, '<', 2), holds(2, '<=', 2), holds(3, '>', 2)]).toEqual([
      true,
      false,
      true,
      true,
    ]);
    expect([holds(2, '>=', 2), holds(2, '==', 2), holds(2, '!=', 2)]).toEqual([true, true, false]);
  });
});
