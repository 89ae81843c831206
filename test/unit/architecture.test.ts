/**
 * Keeps the house standing (STYLE.md): imports point downward. Reads every import of src/ and checks
 * it against the allowed-dependency table.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

// area → areas it may import (besides itself). Leaves: ota, metrics, error-codes, rng.
const ALLOWED: Record<string, readonly string[]> = {
  cli: ['*'],
  engine: ['device', 'load', 'transport', 'scenario', 'metrics', 'ota', 'report', 'server', 'error-codes'],
  report: ['metrics', 'ota', 'error-codes', 'scenario'],
  compare: ['metrics', 'report', 'ota', 'error-codes', 'scenario'],
  server: ['ota', 'error-codes', 'rng'],
  device: ['transport', 'metrics', 'ota', 'scenario', 'error-codes', 'rng'],
  load: ['ota', 'error-codes'],
  transport: ['error-codes', 'ota'],
  scenario: ['ota', 'error-codes', 'metrics'],
  metrics: ['ota', 'error-codes'],
  ota: [],
  'error-codes': [],
  rng: [],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function areaOf(file: string): string {
  const rel = relative(SRC, file);
  const first = rel.split('/')[0]!;
  return first.endsWith('.ts') ? first.replace(/\.ts$/, '') : first;
}

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g;

describe('import layering', () => {
  it('every src/ import follows the table in STYLE.md', () => {
    const bad: string[] = [];
    let checked = 0;
    const all = files(SRC);
    expect(all.length).toBeGreaterThan(40);
    for (const file of all) {
      const from = areaOf(file);
      const allowed = ALLOWED[from];
      if (!allowed) {
        bad.push(`${relative(SRC, file)}: area "${from}" is not in the table`);
        continue;
      }
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        checked++;
        const to = areaOf(resolve(file, '..', m[1]!));
        if (to === from || allowed.includes('*') || allowed.includes(to)) continue;
        bad.push(`${relative(SRC, file)} imports ${m[1]} (${from} → ${to})`);
      }
    }
    expect(checked).toBeGreaterThan(150);
    expect(bad).toEqual([]);
  });
});
