/**
 * The repository keeps its own copy of the protocol vectors (test/fixtures/vectors/) so the suite
 * passes on any clone. Where the spec folder sits beside the checkout (`../shared/spec/vectors`),
 * this checks the copy still equals it; elsewhere it is skipped. This is the only place in the
 * repository that looks outside it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VECTOR_FILES, VECTORS_DIR } from '../../helpers/vectors.ts';

const specDir = fileURLToPath(new URL('../../../../shared/spec/vectors/', import.meta.url));
const besideCheckout = existsSync(specDir);

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

describe.skipIf(!besideCheckout)('the repository copy of the protocol vectors', () => {
  it('holds every vector file the spec has', () => {
    const specFiles = readdirSync(specDir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    expect([...VECTOR_FILES].sort()).toEqual(specFiles);
  });
  for (const file of VECTOR_FILES) {
    it(`${file} equals the spec's ${file}`, () => {
      // Same values; the layout may differ (the repo copy is formatted by biome).
      expect(readJson(`${VECTORS_DIR}${file}`)).toEqual(readJson(`${specDir}${file}`));
    });
  }
});

describe('the repository copy of the protocol vectors, on its own', () => {
  it('is complete and parses', () => {
    for (const file of VECTOR_FILES) {
      expect(existsSync(`${VECTORS_DIR}${file}`)).toBe(true);
      expect(() => readJson(`${VECTORS_DIR}${file}`)).not.toThrow();
    }
  });
});
