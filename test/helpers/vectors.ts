/**
 * Reads the protocol test vectors kept in the repository (`test/fixtures/vectors/`), so the suite
 * passes on any clone. `test/unit/ota/vectors-copy.test.ts` checks the copy still equals the spec's
 * vectors where the spec folder sits beside the checkout.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Folder of the repository's copy of the vectors (absolute, with a trailing slash). */
export const VECTORS_DIR = fileURLToPath(new URL('../fixtures/vectors/', import.meta.url));

/** The vector files the repository keeps a copy of. */
export const VECTOR_FILES = ['range.json', 'token.json'] as const;

export interface RangeVectors {
  length: number;
  cases: { range: string | null; status: 200 | 206; start: number; end: number }[];
}

export interface TokenVectors {
  vectors: {
    key: string;
    res: string;
    et: number;
    method: 'md5' | 'sha1' | 'sha256';
    version: string;
    sign: string;
    authorization: string;
  }[];
}

export function readRangeVectors(): RangeVectors {
  return JSON.parse(readFileSync(`${VECTORS_DIR}range.json`, 'utf8')) as RangeVectors;
}

export function readTokenVectors(): TokenVectors {
  return JSON.parse(readFileSync(`${VECTORS_DIR}token.json`, 'utf8')) as TokenVectors;
}
