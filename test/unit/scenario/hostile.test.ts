import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_PROBLEMS_PER_FILE, validateScenarios } from '../../../src/cli/validate.ts';
import { errorCodeOf } from '../../../src/error-codes.ts';
import { parseScenario } from '../../../src/scenario/load.ts';

const dir = mkdtempSync(join(tmpdir(), 'ota-fleet-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the real `validate` path on one file's text: its output lines and its error, if any. */
async function validateText(name: string, text: string): Promise<{ out: string[]; error?: unknown }> {
  const file = join(dir, name);
  writeFileSync(file, text);
  const out: string[] = [];
  try {
    await validateScenarios([file], { env: {}, write: (t) => out.push(t) });
    return { out };
  } catch (error) {
    return { out, error };
  }
}

function unknownKeys(n: number): string {
  const lines = ['name: many-keys', 'fleet:', '  count: 1'];
  for (let i = 0; i < n; i++) lines.push(`unknown_${i}: 1`);
  return `${lines.join('\n')}\n`;
}

describe('the loader against hostile input', () => {
  it('validates 20,000 unknown keys in linear time, printing at most a few hundred problems', async () => {
    const timed = (n: number) => {
      const text = unknownKeys(n);
      let best = Number.POSITIVE_INFINITY;
      let problems = 0;
      for (let i = 0; i < 2; i++) {
        const t0 = performance.now();
        const r = parseScenario(text, 'many.yaml', { env: {} });
        best = Math.min(best, performance.now() - t0);
        problems = r.ok ? 0 : r.problems.length;
      }
      return { ms: best, problems };
    };
    const small = timed(5000);
    const large = timed(20_000);
    expect(large.problems).toBe(20_000);
    // linear: 4x the keys take about 4x the time (quadratic, as before, took 16x: 3.4 s for 20,000);
    // a ratio rather than a wall-clock bound, so a busy machine does not fail it
    expect(large.ms).toBeLessThan(10 * small.ms + 100);
    const { error } = await validateText('many.yaml', unknownKeys(20_000));
    const lines = (error as Error).message.split('\n');
    expect(lines.length).toBeLessThanOrEqual(MAX_PROBLEMS_PER_FILE + 2);
    expect(lines.at(-1)).toMatch(/many\.yaml: \.\.\. and 19800 more problems \(200 shown\)$/);
  });

  it('turns the yaml library warnings into problems with file:line:col, never a process warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    try {
      const r = parseScenario('name: x\nfleet:\n  count: 1\n  ? [a, b]\n  : 1\n', 'k.yaml', { env: {} });
      expect(r.ok).toBe(false);
      if (!r.ok)
        expect(r.problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
          '4:5 invalid YAML: a key must be a plain word, not a list or mapping',
        ]);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
  });

  it('bounds every echoed value: a 100,000-character value gives a short problem line', () => {
    const huge = 'x'.repeat(100_000);
    const r = parseScenario(
      `name: ${huge}\nfleet:\n  count: 1\n  namePattern: "{index:100000000}"\n`,
      'h.yaml',
      {
        env: {},
      },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) for (const p of r.problems) expect(p.message.length + p.path.length).toBeLessThan(300);
  });

  it('bounds a rule message that quotes names from the file', () => {
    const name = 'p'.repeat(3000);
    const r = parseScenario(
      `name: x\nfleet:\n  count: 2\nprofiles:\n  - name: ${name}\n  - name: ${name}\n`,
      'p.yaml',
      {
        env: {},
      },
    );
    expect(r.ok).toBe(false);
    if (!r.ok) for (const p of r.problems) expect(p.message.length).toBeLessThan(400);
  });

  it('an unset ${VAR} is a warning in validate and an error at run', async () => {
    const text =
      'name: env\ntarget:\n  url: http://127.0.0.1:8080\nproduct:\n  id: ${NOT_SET_PID}\n  accessKey: ${NOT_SET_KEY}\nfleet:\n  count: 1\n';
    const { out, error } = await validateText('env.yaml', text);
    expect(error).toBeUndefined();
    expect(out.join('')).toMatch(
      /warning: .*env\.yaml:5:7 product\.id: environment variable NOT_SET_PID is not set/,
    );
    const run = parseScenario(text, 'env.yaml', { env: {} });
    expect(run.ok).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------------
// Property-based fuzzing of the loader (seeded, bounded): every input ends as "ok" or as
// ERR_SCENARIO_INVALID whose every problem line names file:line:col — never a stack trace, never a
// RangeError, never a line longer than a few hundred characters.

const BASE = {
  name: 'fuzz',
  fleet: { count: 3, namePattern: 'dev-{index:03}' },
  profiles: [{ name: 'p', pollInterval: '1s' }],
  stop: { duration: '5s' },
};

const KEYS = [
  'name',
  'seed',
  'fleet',
  'count',
  'namePattern',
  'profiles',
  'pollInterval',
  'weight',
  'stop',
  'duration',
  'load',
  'model',
  'phases',
  'rate',
  'thresholds',
  'rollout',
  'target',
  'url',
  'product',
  'connections',
  'poolSize',
];

const hostileScalar = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, -1, 1e300, 2 ** 53, 600000000, Number.MAX_SAFE_INTEGER),
  fc.string({ maxLength: 40 }),
  fc.boolean(),
  fc.constant(null),
);

/** Values that broke the loader or hid a trap: tried far more often than random ones. */
const hostileConstant = fc.constantFrom(
  '{index:600000000}',
  '{index:100000000}',
  '{index}',
  '1000h',
  '10',
  '0s',
  '5e9ms',
  '${NOT_SET}',
  '${',
  '$${x}',
  'embedded',
  'http://127.0.0.1:1',
  'p(99) < 1ms',
  'x'.repeat(5000),
);

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    { arbitrary: hostileConstant, weight: 6 },
    { arbitrary: hostileScalar, weight: 3 },
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 12 })), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

/** Paths a scenario has, so most edits hit a field the schema checks. */
const KNOWN_PATHS = [
  ['seed'],
  ['fleet', 'count'],
  ['fleet', 'namePattern'],
  ['fleet', 'boot', 'over'],
  ['profiles', '0', 'pollInterval'],
  ['profiles', '0', 'requestTimeout'],
  ['profiles', '0', 'weight'],
  ['profiles', '0', 'download', 'chunkSize'],
  ['stop', 'duration'],
  ['load', 'model'],
  ['connections', 'poolSize'],
  ['product', 'tokenTtl'],
];

const anyPath = fc.oneof(
  { arbitrary: fc.constantFrom(...KNOWN_PATHS), weight: 3 },
  fc.array(fc.constantFrom(...KEYS, '0'), { minLength: 1, maxLength: 3 }),
);

/** A scenario with a few keys at known or random paths replaced by hostile values. */
const mutatedScenario = fc
  .array(fc.tuple(anyPath, hostileValue), { minLength: 1, maxLength: 6 })
  .map((edits) => {
    const doc = structuredClone(BASE) as Record<string, unknown>;
    for (const [path, value] of edits) {
      let here: Record<string, unknown> = doc;
      for (const seg of path.slice(0, -1)) {
        const next = here[seg];
        if (next === null || typeof next !== 'object') here[seg] = {};
        here = here[seg] as Record<string, unknown>;
      }
      here[path.at(-1)!] = value;
    }
    return stringify(doc);
  });

/** Raw text damage: characters spliced into a valid scenario (syntax errors, tabs, anchors, tags). */
const damagedText = fc
  .tuple(
    fc.nat(),
    fc.oneof(
      fc.string({ maxLength: 20 }),
      fc.constantFrom('\t', ':', '- ', '&a', '*a', '!!binary', '? [', '{', '"'),
    ),
  )
  .map(([at, junk]) => {
    const text = stringify(BASE);
    const i = at % (text.length + 1);
    return text.slice(0, i) + junk + text.slice(i);
  });

const LOCATED = /^\S+:\d+:\d+ /;

describe('fuzzing the scenario loader (fast-check, seeded)', () => {
  it('answers every input with ok or ERR_SCENARIO_INVALID at file:line:col, never a stack trace', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(mutatedScenario, damagedText), async (text) => {
        const { out, error } = await validateText(`fuzz-${n++ % 8}.yaml`, text);
        if (error === undefined) {
          expect(out[0]).toMatch(/: ok \(/);
          return;
        }
        expect(errorCodeOf(error), String(error)).toBe('ERR_SCENARIO_INVALID');
        const [head, ...lines] = (error as Error).message.split('\n');
        expect(head).toMatch(/^\d+ problems? in 1 of 1 scenario file:$/);
        expect(lines.length).toBeGreaterThan(0);
        for (const line of lines) {
          if (line.startsWith('warning: ')) continue;
          if (/: \.\.\. and \d+ more problems?/.test(line)) continue;
          expect(line).toMatch(LOCATED);
          expect(line.length).toBeLessThan(400);
          expect(line).not.toMatch(/\n\s+at |RangeError|TypeError/);
        }
      }),
      { seed: 20261204, numRuns: 300, interruptAfterTimeLimit: 25_000 },
    );
  }, 60_000);
});
