/**
 * Name and version of ota-fleet for the summary's `tool` field, read once from the package.json
 * found above this file (works from src/ under tsx and from dist/ when compiled).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { name: string; version: string } | undefined;

/** ota-fleet's name and version (main thread; falls back to version `unknown`). */
export function toolInfo(): { name: string; version: string } {
  if (cached !== undefined) return cached;
  cached = { name: 'ota-fleet', version: 'unknown' };
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === 'ota-fleet' && typeof pkg.version === 'string') {
        cached = { name: 'ota-fleet', version: pkg.version };
        break;
      }
    } catch {
      // no package.json here: keep walking up
    }
    dir = dirname(dir);
  }
  return cached;
}
