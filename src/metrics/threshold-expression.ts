/**
 * The threshold expression grammar, parsed by hand (no eval): `[aggregation] op number[unit]`, e.g.
 * `p(99) < 200ms`, `> 99.5%`, `fraction@10m >= 0.95`, `count < 10`. Pure and imports nothing. It
 * lives in metrics (as k6's threshold parser does) so the scenario rules can validate thresholds at
 * load time; src/compare evaluates them. docs/ci-gates.md documents the grammar.
 */

/** A comparison operator. */
export type ComparisonOp = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** What an expression measures, before the metric's kind decides whether it applies. */
export type Aggregation =
  | { kind: 'percentile'; p: number }
  | { kind: 'avg' | 'min' | 'max' | 'count' | 'rate' | 'value' }
  | { kind: 'fraction'; atMs?: number }
  | { kind: 'time_to'; fraction: number };

/** A unit written after a number; `undefined` for a plain number. */
export type WrittenUnit = 'us' | 'ms' | 's' | 'm' | 'h' | '%';

/** A number and the unit written after it. */
export interface Quantity {
  value: number;
  unit?: WrittenUnit;
}

/** A parsed expression; `*At` are 0-based offsets into `source` for later (semantic) messages. */
export interface ThresholdExpression {
  source: string;
  /** Undefined when the expression starts with the operator (the metric's default applies). */
  aggregation?: Aggregation;
  aggregationText?: string;
  aggregationAt: number;
  op: ComparisonOp;
  bound: Quantity;
  boundAt: number;
}

/** A syntax error: a message and the 1-based column in the expression. */
export interface ExpressionError {
  message: string;
  column: number;
}

/** Result of a parse: the value or the first error. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ExpressionError };

const UNITS: Readonly<Record<string, WrittenUnit>> = {
  us: 'us',
  µs: 'us',
  μs: 'us',
  ms: 'ms',
  s: 's',
  m: 'm',
  h: 'h',
  '%': '%',
};

/** Milliseconds per time unit. */
export const UNIT_MS: Readonly<Record<Exclude<WrittenUnit, '%'>, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const SIMPLE = new Set(['avg', 'mean', 'min', 'max', 'count', 'rate', 'value']);
const OPS: readonly ComparisonOp[] = ['<=', '>=', '==', '!=', '<', '>'];
const AGGREGATIONS_HELP =
  'p(N), pN, med, avg, min, max, count, rate, value, fraction, fraction@DURATION or pN_time';

class Cursor {
  pos = 0;
  constructor(readonly text: string) {}
  skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  peek(): string {
    return this.text[this.pos] ?? '';
  }
  match(re: RegExp): string | undefined {
    const m = re.exec(this.text.slice(this.pos));
    if (m?.index !== 0) return undefined;
    this.pos += m[0].length;
    return m[0];
  }
  fail(message: string, at = this.pos): { ok: false; error: ExpressionError } {
    return { ok: false, error: { message, column: at + 1 } };
  }
  /** What is at the cursor, quoted for a message. */
  here(): string {
    const rest = this.text.slice(this.pos);
    return rest.length === 0 ? 'the end' : JSON.stringify(rest.length > 12 ? `${rest.slice(0, 12)}…` : rest);
  }
}

/** Parses `number[unit]` at the cursor (spaces allowed before the unit). */
function readQuantity(c: Cursor, what: string): Parsed<Quantity> {
  const start = c.pos;
  if (c.peek() === '-') return c.fail(`${what} must not be negative`);
  const digits = c.match(/(\d+(\.\d*)?|\.\d+)/);
  if (digits === undefined) return c.fail(`expected ${what} but found ${c.here()}`, start);
  const value = Number(digits);
  const save = c.pos;
  c.skipSpace();
  const unitAt = c.pos;
  const unitText = c.match(/[A-Za-zµμ%]+/);
  if (unitText === undefined) {
    c.pos = save;
    return { ok: true, value: { value } };
  }
  const unit = UNITS[unitText];
  if (unit === undefined) {
    return c.fail(`unknown unit ${JSON.stringify(unitText)} (use ms, s, m, h, µs, us or %)`, unitAt);
  }
  return { ok: true, value: { value, unit } };
}

/** Parses a number with an optional unit, e.g. `200ms`, `99.5%`, `0.95`, `2 s` (policy values too). */
export function parseQuantity(text: string, what = 'a number'): Parsed<Quantity> {
  const c = new Cursor(text);
  c.skipSpace();
  const q = readQuantity(c, what);
  if (!q.ok) return q;
  c.skipSpace();
  if (c.pos < text.length) return c.fail(`unexpected ${c.here()} after ${what}`);
  return q;
}

/** A percentile written as digits with `_` or `.` for decimals (`99_9` → 99.9), range (0, 100]. */
function percentileOf(digits: string, c: Cursor, at: number): Parsed<number> {
  const p = Number(digits.replace('_', '.'));
  if (!(p > 0 && p <= 100)) return c.fail(`percentile must be above 0 and at most 100 (got ${digits})`, at);
  return { ok: true, value: p };
}

function readPercentileCall(c: Cursor, at: number): Parsed<Aggregation> {
  c.pos++; // '('
  c.skipSpace();
  const numAt = c.pos;
  const digits = c.match(/\d+(\.\d+)?/);
  if (digits === undefined) return c.fail(`expected a percentile like p(99) but found ${c.here()}`);
  const p = percentileOf(digits, c, numAt);
  if (!p.ok) return p;
  c.skipSpace();
  if (c.peek() !== ')') return c.fail(`expected ")" to close p( at column ${at + 1}`);
  c.pos++;
  return { ok: true, value: { kind: 'percentile', p: p.value } };
}

function readFraction(c: Cursor): Parsed<Aggregation> {
  if (c.peek() !== '@') return { ok: true, value: { kind: 'fraction' } };
  c.pos++;
  const at = c.pos;
  const q = readQuantity(c, 'a duration after fraction@');
  if (!q.ok) return q;
  const unit = q.value.unit;
  if (unit === undefined || unit === '%')
    return c.fail('fraction@ needs a duration with a unit, e.g. 10m', at);
  return { ok: true, value: { kind: 'fraction', atMs: q.value.value * UNIT_MS[unit] } };
}

function readAggregation(c: Cursor): Parsed<Aggregation> {
  const at = c.pos;
  const word = c.match(/[A-Za-z_][A-Za-z0-9_.]*/);
  if (word === undefined) return c.fail(`expected an aggregation (${AGGREGATIONS_HELP}) or an operator`);
  if (word === 'p' && c.peek() === '(') return readPercentileCall(c, at);
  if (word === 'med') return { ok: true, value: { kind: 'percentile', p: 50 } };
  if (SIMPLE.has(word)) {
    const kind = (word === 'mean' ? 'avg' : word) as 'avg' | 'min' | 'max' | 'count' | 'rate' | 'value';
    return { ok: true, value: { kind } };
  }
  if (word === 'fraction') return readFraction(c);
  const pct = /^p(\d+(?:[._]\d+)?)$/.exec(word);
  if (pct) {
    const p = percentileOf(pct[1]!, c, at + 1);
    return p.ok ? { ok: true, value: { kind: 'percentile', p: p.value } } : p;
  }
  const time = /^p(\d+(?:[._]\d+)?)_time$/.exec(word);
  if (time) {
    const p = percentileOf(time[1]!, c, at + 1);
    return p.ok ? { ok: true, value: { kind: 'time_to', fraction: p.value / 100 } } : p;
  }
  return c.fail(`unknown aggregation ${JSON.stringify(word)} (use ${AGGREGATIONS_HELP})`, at);
}

function readOperator(c: Cursor): Parsed<ComparisonOp> {
  const op = OPS.find((o) => c.text.startsWith(o, c.pos));
  if (op !== undefined) {
    c.pos += op.length;
    return { ok: true, value: op };
  }
  if (c.peek() === '=') return c.fail('use == to compare for equality');
  return c.fail(`expected an operator (<, <=, >, >=, ==, !=) but found ${c.here()}`);
}

/** Parses one threshold expression; the error names the 1-based column of the first problem. */
export function parseExpression(source: string): Parsed<ThresholdExpression> {
  const c = new Cursor(source);
  c.skipSpace();
  if (c.pos >= source.length) return c.fail('is empty: write e.g. "p(99) < 200ms"');
  const aggStart = c.pos;
  let aggregation: Aggregation | undefined;
  let aggregationText: string | undefined;
  if (!/[<>=!]/.test(c.peek())) {
    const agg = readAggregation(c);
    if (!agg.ok) return agg;
    aggregation = agg.value;
    aggregationText = source.slice(aggStart, c.pos);
    c.skipSpace();
  }
  const op = readOperator(c);
  if (!op.ok) return op;
  c.skipSpace();
  const boundAt = c.pos;
  const bound = readQuantity(c, 'a number');
  if (!bound.ok) return bound;
  c.skipSpace();
  if (c.pos < source.length) return c.fail(`unexpected ${c.here()} after the number`);
  const value: ThresholdExpression = {
    source,
    aggregationAt: aggStart,
    op: op.value,
    bound: bound.value,
    boundAt,
  };
  if (aggregation !== undefined) {
    value.aggregation = aggregation;
    value.aggregationText = aggregationText;
  }
  return { ok: true, value };
}

/** True when `observed op bound` holds. */
export function holds(observed: number, op: ComparisonOp, bound: number): boolean {
  switch (op) {
    case '<':
      return observed < bound;
    case '<=':
      return observed <= bound;
    case '>':
      return observed > bound;
    case '>=':
      return observed >= bound;
    case '==':
      return observed === bound;
    case '!=':
      return observed !== bound;
  }
}
