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
  // the live dashboard: run observer types, the report's chart code, thresholds judged so far
  dashboard: ['engine', 'report', 'compare', 'metrics', 'ota', 'scenario', 'error-codes'],
  engine: ['device', 'load', 'transport', 'scenario', 'metrics', 'ota', 'report', 'server', 'error-codes'],
  report: ['metrics', 'ota', 'error-codes', 'scenario'],
  compare: ['metrics', 'report', 'ota', 'error-codes', 'scenario'],
  // pure manifest rendering: scenario types in, plain objects out
  kubernetes: ['scenario'],
  server: ['ota', 'error-codes', 'rng'],
  device: ['transport', 'metrics', 'ota', 'scenario', 'error-codes', 'rng'],
  load: ['ota', 'error-codes'],
  transport: ['error-codes', 'ota'],
  scenario: ['ota', 'error-codes', 'metrics'],
  metrics: ['ota', 'error-codes'],
  // live outputs (Prometheus, NDJSON): observers over engine types, metrics and the report; only cli uses them
  outputs: ['engine', 'metrics', 'report', 'ota', 'error-codes'],
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

// The server's public entry points: the only server/ files the engine (the one area besides cli that
// may use the server) may import. Everything else of server/ is its inside.
const SERVER_ENTRY_POINTS: readonly string[] = [
  'server/child.ts',
  'server/api/admin-client.ts',
  'server/api/types.ts',
];

/** Every engine → server/ import that is not one of the server's public entry points. */
function engineImportsOfServerInternals(all: readonly string[]): string[] {
  const bad: string[] = [];
  for (const file of all) {
    if (areaOf(file) !== 'engine') continue;
    for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
      const target = relative(SRC, resolve(file, '..', m[1]!));
      if (areaOf(resolve(SRC, target)) === 'server' && !SERVER_ENTRY_POINTS.includes(target)) {
        bad.push(`${relative(SRC, file)} imports ${m[1]} (not a server entry point)`);
      }
    }
  }
  return bad;
}

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

  it('the engine uses only the server entry points: child spawner, admin client, API types', () => {
    const all = files(SRC);
    for (const entry of SERVER_ENTRY_POINTS) expect(all).toContain(join(SRC, entry));
    const usesServer = all.filter(
      (f) => areaOf(f) === 'engine' && /from\s+'\.\.\/server\//.test(readFileSync(f, 'utf8')),
    );
    expect(usesServer.length).toBeGreaterThan(0);
    expect(engineImportsOfServerInternals(all)).toEqual([]);
  });

  it('src/outputs/ imports engine types, metrics and report, and only cli imports it', () => {
    const all = files(SRC);
    const outputs = all.filter((f) => areaOf(f) === 'outputs');
    expect(outputs.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const file of all) {
      const from = areaOf(file);
      for (const m of readFileSync(file, 'utf8').matchAll(IMPORT_RE)) {
        const to = areaOf(resolve(file, '..', m[1]!));
        if (to === 'outputs' && from !== 'outputs' && from !== 'cli')
          bad.push(`${relative(SRC, file)} imports ${m[1]}`);
        // of the engine, outputs may only see the observer's types
        if (from === 'outputs' && to === 'engine' && !/^import type /.test(m[0].trim()))
          bad.push(`${relative(SRC, file)} imports engine code ${m[1]} (types only)`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('kubernetes/ is pure: no node: or package imports, and only types from scenario/', () => {
    const k8s = files(join(SRC, 'kubernetes'));
    expect(k8s.length).toBeGreaterThan(0);
    const bad: string[] = [];
    for (const file of k8s) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*import\s(type\s)?[^'"]*?from\s+'([^']+)'/g)) {
        const [, isType, from] = m;
        if (from!.startsWith('./')) continue;
        if (from!.startsWith('../scenario/') && isType) continue;
        bad.push(`${relative(SRC, file)} imports ${isType ? 'type ' : ''}${from}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
