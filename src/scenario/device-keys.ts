/**
 * The device keys of a fleet for device-level tokens against a URL target: a CSV file of `name,key`
 * lines (an optional `name,key` header, blank lines and `#` comments allowed), named by
 * `product.deviceKeys` relative to the scenario file. Every problem carries its CSV line and column.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import type { ScenarioProblem } from './problems.ts';

/** Device name → device key (base64), as the engine hands it to the workers. */
export type DeviceKeys = Record<string, string>;

/** The keys of a CSV file, or every problem found in it. */
export interface DeviceKeysParse {
  keys: DeviceKeys;
  problems: ScenarioProblem[];
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Parses the text of a device-keys CSV; `file` is the name problems are reported under. */
export function parseDeviceKeys(text: string, file: string): DeviceKeysParse {
  const keys: DeviceKeys = Object.create(null) as DeviceKeys;
  const firstLine = new Map<string, number>();
  const problems: ScenarioProblem[] = [];
  const problem = (line: number, column: number, path: string, message: string) =>
    problems.push({ file, line, column, path, message, severity: 'error' });
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    if (i === 0 && /^name\s*,\s*key$/i.test(trimmed)) return;
    const fields = raw.split(',');
    if (fields.length !== 2) {
      problem(line, 1, '', `must be name,key (got ${fields.length} fields)`);
      return;
    }
    const [rawName, rawKey] = fields as [string, string];
    const name = rawName.trim();
    const key = rawKey.trim();
    const keyColumn = rawName.length + 2 + (rawKey.length - rawKey.trimStart().length);
    const nameColumn = 1 + (rawName.length - rawName.trimStart().length);
    if (name === '') problem(line, nameColumn, 'name', 'must not be empty');
    if (key === '') problem(line, keyColumn, 'key', 'must not be empty');
    else if (!BASE64.test(key))
      problem(line, keyColumn, 'key', `must be base64 (got ${JSON.stringify(key)})`);
    if (name === '') return;
    const earlier = firstLine.get(name);
    if (earlier !== undefined) {
      problem(line, nameColumn, 'name', `${JSON.stringify(name)} is listed twice (first on line ${earlier})`);
      return;
    }
    firstLine.set(name, line);
    keys[name] = key;
  });
  if (firstLine.size === 0 && problems.length === 0) problem(1, 1, '', 'lists no device keys');
  return { keys, problems };
}

/** The keys a scenario names, read from `ref` relative to the scenario file; `unreadable` says why not. */
export interface DeviceKeysLoad extends DeviceKeysParse {
  file: string;
  unreadable?: string;
}

/** Resolves `ref` (product.deviceKeys) against the scenario file's folder, then reads and parses it. */
export async function loadDeviceKeys(scenarioFile: string, ref: string): Promise<DeviceKeysLoad> {
  const file = isAbsolute(ref) ? ref : join(dirname(scenarioFile), ref);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    return { file, keys: {}, problems: [], unreadable: reason };
  }
  return { file, ...parseDeviceKeys(text, file) };
}
