/**
 * The house rules of STYLE.md for server/: it imports only ota/, error-codes, rng and itself (never
 * client code), and store/ (state, rows, records, content) sits below the management API: it imports
 * nothing of server/ outside store/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));
const SERVER = join(SRC, 'server');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** The relative imports of a file, resolved to paths under src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)]
    .map((m) => m[1]!)
    .filter((spec) => spec.startsWith('.'))
    .map((spec) => relative(SRC, resolve(dirname(file), spec)));
}

describe('src/server imports', () => {
  const all = files(SERVER);
  it('has files to check, in api/ and store/ too', () => {
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((f) => f.includes('/server/api/')).length).toBeGreaterThan(5);
    expect(all.filter((f) => f.includes('/server/store/')).length).toBeGreaterThan(3);
  });
  for (const file of all) {
    const name = relative(SERVER, file);
    it(`${name} imports only node, packages, server/, ota/, error-codes.ts and rng.ts`, () => {
      for (const target of importsOf(file)) {
        expect(target, `${name} → ${target}`).toMatch(
          /^(server\/([a-z-]+\/)?[a-z-]+\.ts|ota\/[a-z-]+\.ts|error-codes\.ts|rng\.ts)$/,
        );
      }
    });
  }
  for (const file of all.filter((f) => f.includes('/server/store/'))) {
    const name = relative(SERVER, file);
    it(`${name} imports nothing of server/ outside store/`, () => {
      for (const target of importsOf(file)) {
        if (target.startsWith('server/')) expect(target, `${name} → ${target}`).toMatch(/^server\/store\//);
      }
    });
  }
});
