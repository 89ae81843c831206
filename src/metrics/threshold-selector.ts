/**
 * Metric selectors, the keys of `thresholds:` in a scenario: a metric name with optional tag filters,
 * `errors{code:ERR_TRANSPORT_RESET}` or `ota_requests{call=check}` (`:` and `=` both work, values may
 * be quoted). Pure; also the matching of summary series keys (`name{k=v,...}`) against a selector.
 */
import type { ExpressionError, Parsed } from './threshold-expression.ts';

/** A parsed selector: a metric name and the tags a series must carry (empty = every series). */
export interface MetricSelector {
  name: string;
  tags: Record<string, string>;
}

const fail = (message: string, at: number): { ok: false; error: ExpressionError } => ({
  ok: false,
  error: { message, column: at + 1 },
});

function readValue(text: string, at: number): { value: string; end: number } | ExpressionError {
  const quote = text[at];
  if (quote === '"' || quote === "'") {
    const close = text.indexOf(quote, at + 1);
    if (close < 0) return { message: `unclosed ${quote} in a tag value`, column: at + 1 };
    return { value: text.slice(at + 1, close), end: close + 1 };
  }
  let end = at;
  while (end < text.length && text[end] !== ',' && text[end] !== '}') end++;
  const value = text.slice(at, end).trim();
  if (value.length === 0) return { message: 'expected a tag value', column: at + 1 };
  return { value, end };
}

function readTags(text: string, open: number): Parsed<Record<string, string>> {
  const tags: Record<string, string> = {};
  let pos = open + 1;
  const skip = () => {
    while (text[pos] === ' ') pos++;
  };
  for (;;) {
    skip();
    const key = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(pos))?.[0];
    if (key === undefined) return fail('expected a tag name, e.g. {code:ERR_TRANSPORT_RESET}', pos);
    if (key in tags) return fail(`tag ${key} is given twice`, pos);
    pos += key.length;
    skip();
    if (text[pos] !== ':' && text[pos] !== '=') return fail(`expected ":" after tag ${key}`, pos);
    pos++;
    skip();
    const v = readValue(text, pos);
    if ('message' in v) return { ok: false, error: v };
    tags[key] = v.value;
    pos = v.end;
    skip();
    if (text[pos] === ',') {
      pos++;
      continue;
    }
    if (text[pos] === '}') break;
    return fail('expected "," or "}" after a tag value', pos);
  }
  if (pos !== text.length - 1) return fail('unexpected text after "}"', pos + 1);
  return { ok: true, value: tags };
}

/** Parses a selector such as `errors{code:ERR_TRANSPORT_RESET}`; the error names a 1-based column. */
export function parseSelector(text: string): Parsed<MetricSelector> {
  const name = /^[a-z][a-z0-9_]*/.exec(text)?.[0];
  if (name === undefined) return fail('expected a metric name in snake_case, e.g. ota_check_duration', 0);
  if (name.length === text.length) return { ok: true, value: { name, tags: {} } };
  if (text[name.length] !== '{') {
    return fail(`unexpected ${JSON.stringify(text[name.length])} after the metric name`, name.length);
  }
  const tags = readTags(text, name.length);
  return tags.ok ? { ok: true, value: { name, tags: tags.value } } : tags;
}

/** True when a series of metric `name` with `tags` is selected: same name, every selector tag equal. */
export function selects(
  selector: MetricSelector,
  name: string,
  tags: Readonly<Record<string, string>>,
): boolean {
  if (name !== selector.name) return false;
  for (const [k, v] of Object.entries(selector.tags)) if (tags[k] !== v) return false;
  return true;
}

/** True when the selector filters by at least one tag. */
export function hasTags(selector: MetricSelector): boolean {
  return Object.keys(selector.tags).length > 0;
}
