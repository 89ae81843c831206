/**
 * zod issues → plain problems a user can act on: one message per issue that says what is wrong and
 * what was got, one problem per unknown key (with a "did you mean" when a known key is close), and a
 * union reduced to the branch the user evidently meant.
 */
import type { z } from 'zod';
import { clip } from './clip.ts';
import type { PathSegment, PositionTarget } from './positions.ts';

/** A problem found in the data, before it has a file position. */
export interface DataProblem {
  path: PathSegment[];
  message: string;
  target: PositionTarget;
}

type RawIssue = z.core.$ZodRawIssue;
type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function plural(n: number | bigint, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function bound(iss: { origin: string; inclusive?: boolean }, n: number | bigint, lower: boolean): string {
  const inclusive = iss.inclusive !== false;
  switch (iss.origin) {
    case 'array':
    case 'set':
      return `must have ${lower ? 'at least' : 'at most'} ${plural(n, 'item')}`;
    case 'string':
      return `must be ${lower ? 'at least' : 'at most'} ${plural(n, 'character')} long`;
    default:
      if (inclusive) return `must be ${lower ? 'at least' : 'at most'} ${n}`;
      return `must be ${lower ? 'greater' : 'less'} than ${n}`;
  }
}

/** What the root-level issues of the branches of a union expected, as one "must be X or Y". */
function unionExpectation(branches: readonly (readonly Issue[])[]): string {
  const wanted: string[] = [];
  for (const branch of branches) {
    for (const i of branch) {
      if (i.path.length > 0) continue;
      if (i.code === 'invalid_type') wanted.push(typeName(i.expected));
      if (i.code === 'invalid_value') wanted.push(...i.values.map((v) => JSON.stringify(v)));
    }
  }
  return wanted.length > 0 ? `must be ${[...new Set(wanted)].join(' or ')}` : 'is not valid';
}

/** The per-parse error map: zod's default messages, rewritten to say what is wrong (zod keeps custom ones). */
export function issueMessage(iss: RawIssue): string {
  switch (iss.code) {
    case 'invalid_type':
      return `must be ${typeName(iss.expected)}`;
    case 'too_small':
      return bound(iss, iss.minimum, true);
    case 'too_big':
      return bound(iss, iss.maximum, false);
    case 'invalid_format':
      if (iss.format === 'url') return 'must be an http(s) URL';
      if (iss.format === 'ipv4') return 'must be an IPv4 address';
      if (iss.format === 'regex' && iss.pattern) return `must match ${iss.pattern}`;
      return `must be a valid ${iss.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${iss.divisor}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `must be ${JSON.stringify(iss.values[0])}`
        : `must be one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'invalid_union':
      if ('options' in iss && Array.isArray(iss.options)) {
        return `must be one of ${iss.options.map((v) => JSON.stringify(v)).join(', ')}`;
      }
      return unionExpectation(iss.errors);
    case 'invalid_key':
      return `invalid key: ${iss.issues[0]?.message ?? 'not allowed'}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return iss.message ?? 'is not valid';
  }
}

/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/** The known key closest to `key` within an edit distance of 2 (and of half the key's length), if any. */
export function suggestKey(key: string, known: Iterable<string>): string | undefined {
  const limit = Math.min(2, Math.floor(key.length / 2));
  let best: { key: string; d: number } | undefined;
  for (const k of known) {
    if (Math.abs(k.length - key.length) > limit) continue;
    const d = editDistance(key, k);
    if (d <= limit && (!best || d < best.d)) best = { key: k, d };
  }
  return best?.key;
}

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  element?: AnySchema;
  valueType?: AnySchema;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
}

const defOf = (s: AnySchema): Def => s._zod.def as unknown as Def;

/** The schemas a value may have to match, past optional/default/pipe wrappers and union branches. */
function unwrap(s: AnySchema): AnySchema[] {
  const def = defOf(s);
  if (def.innerType) return unwrap(def.innerType);
  if (def.type === 'pipe' && def.in) return unwrap(def.in);
  if (def.type === 'union' && def.options) return def.options.flatMap(unwrap);
  return [s];
}

/** The keys an object at `path` may have (the union of every branch that can be there). */
export function knownKeysAt(schema: AnySchema, path: readonly PathSegment[]): Set<string> {
  let here = unwrap(schema);
  for (const seg of path) {
    here = here.flatMap((s) => {
      const def = defOf(s);
      const next = def.shape?.[String(seg)] ?? def.element ?? def.valueType;
      return next ? unwrap(next) : [];
    });
  }
  return new Set(here.flatMap((s) => Object.keys(defOf(s).shape ?? {})));
}

/** Renders a value as a user wrote it: 0, "10 s", true, null, a list, a mapping. */
export function describeValue(value: unknown): string {
  if (Array.isArray(value))
    return value.length === 0 ? 'an empty list' : `a list of ${plural(value.length, 'item')}`;
  if (value !== null && typeof value === 'object') return 'a mapping';
  if (typeof value === 'string')
    return value.length > 60
      ? `${JSON.stringify(value.slice(0, 57))}... (${value.length} characters)`
      : JSON.stringify(value);
  return String(value);
}

type Lookup = { found: true; value: unknown } | { found: false };

/** The value at `path` in plain data. */
export function valueAt(data: unknown, path: readonly PathSegment[]): Lookup {
  let here = data;
  for (const seg of path) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, seg)) return { found: false };
    here = (here as Record<PathSegment, unknown>)[seg];
  }
  return { found: true, value: here };
}

/** An issue's path as data segments (zod allows symbols, which never occur in parsed YAML). */
const segments = (i: Issue): PathSegment[] => i.path.filter((p): p is PathSegment => typeof p !== 'symbol');

const isMismatch = (i: Issue) =>
  i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value');
const isMissingKey = (i: Issue, data: unknown, base: readonly PathSegment[]) =>
  i.path.length === 1 && i.code === 'invalid_type' && !valueAt(data, [...base, ...segments(i)]).found;
const sameIssue = (a: Issue, b: Issue) =>
  a.code === b.code && a.message === b.message && a.path.join('\0') === b.path.join('\0');

/**
 * Of the branches of a failed union the value fits in shape, the one with fewest issues. When branches
 * tie and differ only in which required key they miss, say so once ("needs one of the keys ...").
 */
function pickBranch(branches: readonly Issue[][], data: unknown, base: readonly PathSegment[]): Issue[] {
  const fewest = Math.min(...branches.map((b) => b.length));
  const tied = branches.filter((b) => b.length === fewest);
  const first = tied[0]!;
  if (tied.length === 1) return first;
  const missing = tied.map((b) => b.filter((i) => isMissingKey(i, data, base)));
  const rest = tied.map((b) => b.filter((i) => !isMissingKey(i, data, base)));
  const restAlike = rest.every(
    (r) => r.length === rest[0]!.length && r.every((i, k) => sameIssue(i, rest[0]![k]!)),
  );
  if (!restAlike || !missing.every((m) => m.length === 1)) return first;
  const keys = missing.map((m) => String(m[0]!.path[0]));
  return [
    ...rest[0]!,
    { code: 'custom', path: [], message: `needs one of the keys ${keys.join(', ')}`, input: undefined },
  ];
}

/** Flattens zod issues into problems, using `data` (what was parsed) for "got" and `schema` for key suggestions. */
export function problemsFromIssues(
  issues: readonly Issue[],
  data: unknown,
  schema: AnySchema,
): DataProblem[] {
  const out: DataProblem[] = [];
  const visit = (issue: Issue, base: readonly PathSegment[]) => {
    const path = [...base, ...segments(issue)];
    const here = valueAt(data, path);
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys) {
        const hint = suggestKey(key, known);
        out.push({
          path: [...path, key],
          target: 'key',
          message: `unknown key ${clip(JSON.stringify(key))}${hint ? ` (did you mean ${hint}?)` : ''}`,
        });
      }
      return;
    }
    const missing = !here.found && issue.code !== 'custom';
    if (missing) {
      out.push({ path, target: 'value', message: 'is required' });
      return;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const fitting = issue.errors.filter((b) => !b.some(isMismatch));
      if (fitting.length > 0) {
        for (const i of pickBranch(fitting, data, path)) visit(i, path);
        return;
      }
    }
    if (issue.code === 'invalid_key') {
      out.push({
        path,
        target: 'key',
        message: `${issue.message} (got ${clip(JSON.stringify(path[path.length - 1]))})`,
      });
      return;
    }
    // A custom message about a whole mapping or list says enough; "(got a mapping)" would add nothing.
    const value = here.found ? here.value : undefined;
    const plain = issue.code === 'custom' && typeof value === 'object' && value !== null;
    const got =
      here.found && !plain && !issue.message.includes('(got ') ? ` (got ${describeValue(value)})` : '';
    out.push({ path, target: 'value', message: `${issue.message}${got}` });
  };
  for (const issue of issues) visit(issue, []);
  return out;
}
