import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadScenario } from '../../../src/scenario/load.ts';

// Each fixture is paired with <name>.expected.txt: exactly the lines `ota-fleet validate` shows for it,
// file names relative to the fixture's folder. Fixtures with syntax errors end in .txt (x.yaml.txt) so
// that Biome, which checks YAML and JSON files, leaves them alone; the loader ignores extensions.
const ENV = { OTA_FIXTURE_KEY: 'c2VjcmV0', OTA_FIXTURE_EMPTY: '' };
const SCENARIO = /\.(ya?ml|json)(\.txt)?$/;

function fixtures(folder: string): string[] {
  return readdirSync(`test/fixtures/scenarios/${folder}`)
    .filter((n) => SCENARIO.test(n))
    .sort();
}

async function shownLines(folder: string, name: string) {
  const base = `test/fixtures/scenarios/${folder}/`;
  const loaded = await loadScenario(base + name, { env: ENV });
  const lines = [
    ...(loaded.ok ? [] : loaded.problems.map(formatProblem)),
    ...loaded.warnings.map((w) => `warning: ${formatProblem(w)}`),
  ];
  return { ok: loaded.ok, lines: lines.map((l) => l.split(base).join('')) };
}

function expectedLines(folder: string, name: string): string[] {
  const file = `test/fixtures/scenarios/${folder}/${name.replace(SCENARIO, '.expected.txt')}`;
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

describe('invalid scenario fixtures report exactly their expected problems', () => {
  const names = fixtures('invalid');
  it('covers every kind of problem', () => {
    expect(names.length).toBeGreaterThanOrEqual(25);
  });
  for (const name of names) {
    it(name, async () => {
      const shown = await shownLines('invalid', name);
      expect(shown.ok).toBe(false);
      expect(shown.lines).toEqual(expectedLines('invalid', name));
    });
  }
});

describe('scenario fixtures that are valid but warn show exactly their expected warnings', () => {
  for (const name of fixtures('warnings')) {
    it(name, async () => {
      const shown = await shownLines('warnings', name);
      expect(shown.ok).toBe(true);
      expect(shown.lines).toEqual(expectedLines('warnings', name));
    });
  }
});

describe('valid scenario fixtures load without a problem or warning', () => {
  for (const name of fixtures('valid')) {
    it(name, async () => {
      expect(await shownLines('valid', name)).toEqual({ ok: true, lines: [] });
    });
  }
});
