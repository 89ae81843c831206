import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  parseFloor,
  parsePolicyText,
  parseTolerance,
  ruleFor,
  withFlags,
} from '../../../src/compare/policy.ts';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return 'no error';
  } catch (err) {
    return `${(err as { code?: string }).code}: ${(err as Error).message}`;
  }
};

describe('policy defaults and resolution', () => {
  it('has a rule per group: latency ±10% / 1 ms, shares in points', () => {
    expect(ruleFor({ checks: {} }, 'check.p50', 'latency')).toEqual({
      tolerance: 0.1,
      floor: 1,
      skip: false,
    });
    expect(ruleFor({ checks: {} }, 'success_rate', 'success')).toEqual(DEFAULT_RULES.success);
    expect(ruleFor({ checks: {} }, 'rollout.time_to_p90', 'convergence').floor).toBe(1000);
  });

  it('applies the top level to relative groups only, and floorMs to latency only', () => {
    const p = { tolerance: 0.5, floorMs: 5, checks: {} };
    expect(ruleFor(p, 'check.p99', 'latency')).toMatchObject({ tolerance: 0.5, floor: 5 });
    expect(ruleFor(p, 'rps', 'throughput')).toMatchObject({ tolerance: 0.5, floor: 1 });
    expect(ruleFor(p, 'rollout.time_to_p50', 'convergence')).toMatchObject({ tolerance: 0.5, floor: 1000 });
    expect(ruleFor(p, 'success_rate', 'success')).toEqual(DEFAULT_RULES.success);
  });

  it('prefers the check id, then *.pNN, then the group, then the top level', () => {
    const p = parsePolicyText(
      'tolerance: 20%\nchecks:\n  latency: { floor: 2ms }\n  "*.p99": { floor: 25ms }\n  check.p99: { tolerance: 100% }\n',
      'p.yaml',
    );
    expect(ruleFor(p, 'check.p99', 'latency')).toEqual({ tolerance: 1, floor: 25, skip: false });
    expect(ruleFor(p, 'download.p99', 'latency')).toEqual({ tolerance: 0.2, floor: 25, skip: false });
    expect(ruleFor(p, 'download.p50', 'latency')).toEqual({ tolerance: 0.2, floor: 2, skip: false });
  });

  it('lets flags override the file top level but not its per-check rules', () => {
    const file = parsePolicyText('tolerance: 20%\nfloorMs: 3\nchecks: { check.p50: { tolerance: 5% } }', 'p');
    const p = withFlags(file, { tolerance: '50%', floorMs: 1 });
    expect(ruleFor(p, 'download.p50', 'latency')).toMatchObject({ tolerance: 0.5, floor: 1 });
    expect(ruleFor(p, 'check.p50', 'latency')).toMatchObject({ tolerance: 0.05, floor: 1 });
  });
});

describe('policy values and files', () => {
  it('parses tolerances and floors in their units', () => {
    expect(parseTolerance('10%', 't')).toBe(0.1);
    expect(parseTolerance(0.25, 't')).toBe(0.25);
    expect(parseFloor('2ms', 'ms', 'f')).toBe(2);
    expect(parseFloor('1s', 'ms', 'f')).toBe(1000);
    expect(parseFloor('500us', 'ms', 'f')).toBe(0.5);
    expect(parseFloor(3, 'ms', 'f')).toBe(3);
    expect(parseFloor('0.5%', 'ratio', 'f')).toBe(0.005);
    expect(parseFloor(0.01, 'ratio', 'f')).toBe(0.01);
    expect(parseFloor(2, 'per_second', 'f')).toBe(2);
  });

  it('rejects values in the wrong unit with ERR_USAGE', () => {
    expect(codeOf(() => parseTolerance('10ms', '--tolerance'))).toBe(
      'ERR_USAGE: --tolerance: a tolerance is a percentage like 10% (got "10ms")',
    );
    expect(codeOf(() => parseFloor('2%', 'ms', 'x'))).toBe(
      'ERR_USAGE: x: the floor is a duration like 2ms (got "2%")',
    );
    expect(codeOf(() => parseFloor(5, 'ratio', 'x'))).toBe(
      'ERR_USAGE: x: the floor is a share like 0.5% (got 5)',
    );
    expect(codeOf(() => parseFloor('2ms', 'per_second', 'x'))).toBe(
      'ERR_USAGE: x: the floor is a number (got "2ms")',
    );
    expect(codeOf(() => parseTolerance('ten', 't'))).toBe(
      'ERR_USAGE: t: expected a number but found "ten" (got "ten")',
    );
  });

  it('reads YAML or JSON, with skip; refuses unknown keys and checks', () => {
    const p = parsePolicyText(
      '{"checks": {"rps": {"skip": true, "floor": 2}, "success": {"floor": "1%"}}}',
      'p.json',
    );
    expect(p.checks).toEqual({ rps: { skip: true, floor: 2 }, success: { floor: 0.01 } });
    expect(codeOf(() => parsePolicyText('tolerence: 10%', 'p.yaml'))).toMatch(
      /^ERR_USAGE: p.yaml: invalid compare policy:\n {2}\(root\): Unrecognized key: "tolerence"/,
    );
    expect(codeOf(() => parsePolicyText('checks: { chek.p99: { floor: 1ms } }', 'p.yaml'))).toMatch(
      /^ERR_USAGE: p.yaml: checks.chek.p99: not a check or group \(use latency, throughput/,
    );
    expect(codeOf(() => parsePolicyText('checks: [1', 'p.yaml'))).toMatch(
      /^ERR_USAGE: p.yaml: not valid YAML or JSON/,
    );
    expect(parsePolicyText('', 'empty.yaml')).toEqual({ checks: {} });
  });
});
