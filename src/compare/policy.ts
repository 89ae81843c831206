/**
 * The comparison policy: per check, a relative tolerance and an absolute floor below which a change
 * is noise. A check is regressed when it got worse by more than max(floor, tolerance × |baseline|).
 * Built-in defaults per group; a policy file (YAML/JSON) and flags override them. Pure.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { OtaFleetError } from '../error-codes.ts';
import { METRIC_CALLS } from '../metrics/registry.ts';
import type { ValueUnit } from '../metrics/run-summary.ts';
import { parseQuantity, type Quantity, UNIT_MS } from '../metrics/threshold-expression.ts';

/** A family of checks that shares a default rule. */
export type CheckGroup = 'latency' | 'throughput' | 'success' | 'convergence' | 'upgraded';

/** How one check is judged: `tolerance` is relative (0.1 = 10%), `floor` is in the check's unit. */
export interface CheckRule {
  tolerance: number;
  floor: number;
  skip: boolean;
}

/** A policy: top-level defaults plus rules by group or check id (most specific wins). */
export interface ComparePolicy {
  /** Tolerance of the latency, throughput and convergence checks. */
  tolerance?: number;
  /** Floor of the latency checks, ms. */
  floorMs?: number;
  checks: Record<string, Partial<CheckRule>>;
}

/** Unit and direction of each group's checks. */
export const GROUPS: Readonly<Record<CheckGroup, { unit: ValueUnit; better: 'lower' | 'higher' }>> = {
  latency: { unit: 'ms', better: 'lower' },
  throughput: { unit: 'per_second', better: 'higher' },
  success: { unit: 'ratio', better: 'higher' },
  convergence: { unit: 'ms', better: 'lower' },
  upgraded: { unit: 'ratio', better: 'higher' },
};

/**
 * Built-in rules: latencies ±10% with a 1 ms floor, throughput ±10% (1 req/s floor), convergence
 * ±10% with a 1 s floor (the curve has 1-second steps), and shares judged in points: success rate
 * may drop 0.5 points, the upgraded fraction 1 point.
 */
export const DEFAULT_RULES: Readonly<Record<CheckGroup, CheckRule>> = {
  latency: { tolerance: 0.1, floor: 1, skip: false },
  throughput: { tolerance: 0.1, floor: 1, skip: false },
  success: { tolerance: 0, floor: 0.005, skip: false },
  convergence: { tolerance: 0.1, floor: 1000, skip: false },
  upgraded: { tolerance: 0, floor: 0.01, skip: false },
};

/** Groups the top-level `tolerance` applies to. */
const RELATIVE: ReadonlySet<CheckGroup> = new Set(['latency', 'throughput', 'convergence']);

/** Every check id and its group, e.g. `check.p99` → latency, `rps` → throughput. */
export const CHECK_GROUPS: Readonly<Record<string, CheckGroup>> = {
  ...Object.fromEntries(
    METRIC_CALLS.flatMap((c) => ['p50', 'p90', 'p99'].map((p) => [`${c}.${p}`, 'latency'])),
  ),
  rps: 'throughput',
  success_rate: 'success',
  'rollout.time_to_p50': 'convergence',
  'rollout.time_to_p90': 'convergence',
  'rollout.upgraded_fraction': 'upgraded',
};

/** The percentile wildcards of latency checks: `*.p99` is every call's p99. */
const PERCENTILE_KEYS = ['*.p50', '*.p90', '*.p99'];

/**
 * The rule of one check: checks[id] > checks[`*.pNN`] > checks[group] > top-level (flags over file)
 * > built-in default.
 */
export function ruleFor(policy: ComparePolicy, id: string, group: CheckGroup): CheckRule {
  const rule: CheckRule = { ...DEFAULT_RULES[group] };
  if (policy.tolerance !== undefined && RELATIVE.has(group)) rule.tolerance = policy.tolerance;
  if (policy.floorMs !== undefined && group === 'latency') rule.floor = policy.floorMs;
  const wildcard = group === 'latency' ? policy.checks[`*.${id.slice(id.lastIndexOf('.') + 1)}`] : undefined;
  return { ...rule, ...policy.checks[group], ...wildcard, ...policy.checks[id] };
}

/** Parses a tolerance: `10%` or a fraction (0.1); throws ERR_USAGE naming `where`. */
export function parseTolerance(value: string | number, where: string): number {
  const q = toQuantity(value, where);
  if (q.unit !== undefined && q.unit !== '%')
    throw usage(`${where}: a tolerance is a percentage like 10% (got ${JSON.stringify(value)})`);
  return q.unit === '%' ? q.value / 100 : q.value;
}

/** Parses a floor in a unit: ms (`2ms`, `1s`, plain = ms), a share (`0.5%`, 0.005) or a plain rate. */
export function parseFloor(value: string | number, unit: ValueUnit, where: string): number {
  const q = toQuantity(value, where);
  if (unit === 'ms' && q.unit !== '%') return q.unit === undefined ? q.value : q.value * UNIT_MS[q.unit];
  if (unit === 'ratio' && q.unit === '%') return q.value / 100;
  if (unit === 'ratio' && q.unit === undefined && q.value <= 1) return q.value;
  if (unit === 'per_second' && q.unit === undefined) return q.value;
  const hint = unit === 'ms' ? 'a duration like 2ms' : unit === 'ratio' ? 'a share like 0.5%' : 'a number';
  throw usage(`${where}: the floor is ${hint} (got ${JSON.stringify(value)})`);
}

function toQuantity(value: string | number, where: string): Quantity {
  if (typeof value === 'number') {
    if (!(value >= 0)) throw usage(`${where}: must be a number of 0 or more (got ${value})`);
    return { value };
  }
  const q = parseQuantity(value);
  if (!q.ok) throw usage(`${where}: ${q.error.message} (got ${JSON.stringify(value)})`);
  return q.value;
}

const usage = (message: string) => new OtaFleetError('ERR_USAGE', message);

const amount = z.union([z.number().nonnegative(), z.string().min(1)]);
const policyFileSchema = z.strictObject({
  tolerance: amount.optional(),
  floorMs: amount.optional(),
  checks: z
    .record(
      z.string(),
      z.strictObject({
        tolerance: amount.optional(),
        floor: amount.optional(),
        skip: z.boolean().optional(),
      }),
    )
    .optional(),
});

function unitOfKey(key: string, origin: string): ValueUnit {
  if (PERCENTILE_KEYS.includes(key)) return 'ms';
  const group = Object.hasOwn(GROUPS, key)
    ? (key as CheckGroup)
    : Object.hasOwn(CHECK_GROUPS, key)
      ? CHECK_GROUPS[key]
      : undefined;
  if (group === undefined) {
    const known = [...Object.keys(GROUPS), 'rps', 'success_rate', 'rollout.*', '<call>.p50|p90|p99', '*.p99'];
    throw usage(`${origin}: checks.${key}: not a check or group (use ${known.join(', ')})`);
  }
  return GROUPS[group].unit;
}

/** Validates a parsed policy document; throws ERR_USAGE naming `origin` and the bad key. */
export function parsePolicy(input: unknown, origin: string): ComparePolicy {
  const r = policyFileSchema.safeParse(input ?? {});
  if (!r.success) {
    const lines = r.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw usage(`${origin}: invalid compare policy:\n${lines.join('\n')}`);
  }
  const p = r.data;
  const policy: ComparePolicy = { checks: {} };
  if (p.tolerance !== undefined) policy.tolerance = parseTolerance(p.tolerance, `${origin}: tolerance`);
  if (p.floorMs !== undefined) policy.floorMs = parseFloor(p.floorMs, 'ms', `${origin}: floorMs`);
  for (const [key, c] of Object.entries(p.checks ?? {})) {
    const unit = unitOfKey(key, origin);
    const rule: Partial<CheckRule> = {};
    const where = `${origin}: checks.${key}`;
    if (c.tolerance !== undefined) rule.tolerance = parseTolerance(c.tolerance, `${where}.tolerance`);
    if (c.floor !== undefined) rule.floor = parseFloor(c.floor, unit, `${where}.floor`);
    if (c.skip !== undefined) rule.skip = c.skip;
    policy.checks[key] = rule;
  }
  return policy;
}

/** Parses policy text (YAML or JSON); throws ERR_USAGE on a syntax error or a bad key. */
export function parsePolicyText(text: string, origin: string): ComparePolicy {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw usage(`${origin}: not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return parsePolicy(doc, origin);
}

/** Overrides a policy's top level with command-line flags (`--tolerance 10%`, `--floor-ms 1`). */
export function withFlags(
  policy: ComparePolicy,
  flags: { tolerance?: string; floorMs?: number },
): ComparePolicy {
  const out: ComparePolicy = { ...policy, checks: { ...policy.checks } };
  if (flags.tolerance !== undefined) out.tolerance = parseTolerance(flags.tolerance, '--tolerance');
  if (flags.floorMs !== undefined) out.floorMs = parseFloor(flags.floorMs, 'ms', '--floor-ms');
  return out;
}
