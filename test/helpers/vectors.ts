/** Reads the shared protocol vectors from `../shared/spec/vectors/` (never copied into tests). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../../../shared/spec/vectors/', import.meta.url));

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
  return JSON.parse(readFileSync(`${dir}range.json`, 'utf8')) as RangeVectors;
}

export function readTokenVectors(): TokenVectors {
  return JSON.parse(readFileSync(`${dir}token.json`, 'utf8')) as TokenVectors;
}
