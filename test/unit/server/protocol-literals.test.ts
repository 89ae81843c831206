/**
 * Issue 9 §1: the server names protocol numbers (errnos, task statuses, module and package types,
 * Ota-Errno values) by the constants of src/ota/codes.ts, never as bare literals. device-api.ts is the
 * device helper's file and is held by its own test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

// Comparisons and fields of protocol values, envelopes and download errors written with a number,
// protocol choices of the options, and task statuses in SQL.
const LITERAL_PATTERNS: readonly RegExp[] = [
  /\b(module|type|errno|step|otaErrno|noTaskErrno|cancelledStatus)\s*[!=]==?\s*\d/,
  /\bstatus\s*[!=<>]=?=?\s*[1-6]\b/,
  /\b(module|type|errno|step|otaErrno):\s*[1-9]/,
  /\b(encodeEnvelope\(\s*[\w.]+|sendEnvelope\(\s*\w+,\s*[\w.]+|sendDownloadError\(\s*\w+),\s*\d/,
  /\?\s*[1-9]\d*\s*:\s*[1-9]\d*\s*\)?,?$/,
  /\[\s*(11,\s*10|6,\s*5)\s*\]/,
  /\b(noTaskErrno|cancelledStatus)\??:\s*\d+\s*\|\s*\d+/,
  /status IN \(\d/,
];

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

describe('protocol numbers in the server are named', () => {
  const checked = [
    ...files(join(SRC, 'server')).filter((f) => !f.endsWith('device-api.ts')),
    join(SRC, 'cli/serve.ts'),
  ];
  it('finds the server files', () => expect(checked.length).toBeGreaterThan(25));
  it('no server file writes a protocol number as a literal', () => {
    const found: string[] = [];
    for (const file of checked) {
      stripComments(readFileSync(file, 'utf8'))
        .split('\n')
        .forEach((line, i) => {
          if (LITERAL_PATTERNS.some((re) => re.test(line)))
            found.push(`${relative(SRC, file)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
