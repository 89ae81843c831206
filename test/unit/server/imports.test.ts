/** The house rule of STYLE.md for server/: it imports only ota/, error-codes, rng and itself (never client code). */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dir = fileURLToPath(new URL('../../../src/server/', import.meta.url));

describe('src/server imports', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
  it('has files to check', () => expect(files.length).toBeGreaterThan(10));
  for (const file of files) {
    it(`${file} imports only node, packages, ./, ../ota/, ../error-codes.ts and ../rng.ts`, () => {
      const text = readFileSync(dir + file, 'utf8');
      const specs = [...text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)].map((m) => m[1]!);
      for (const spec of specs) {
        if (!spec.startsWith('.')) continue;
        expect(spec, `${file} → ${spec}`).toMatch(
          /^(\.\/[a-z-]+\.ts|\.\.\/ota\/[a-z-]+\.ts|\.\.\/error-codes\.ts|\.\.\/rng\.ts)$/,
        );
      }
    });
  }
});
