/** Device names of a fleet: `{index}` / `{index:N}` patterns, and the way back from a name to its index. */
import { formatDeviceName } from '../ota/fleet-versions.ts';

const PLACEHOLDER = /\{index(?::(\d+))?\}/g;

/** The name of device `index` (1-based): `{index}` as is, `{index:N}` zero-padded to N digits. */
export function deviceName(pattern: string, index: number): string {
  return formatDeviceName(pattern, index);
}

/** The 1-based index whose name under `pattern` is `name`, or undefined when none is (or it exceeds `count`). */
export function deviceIndex(
  pattern: string,
  name: string,
  count = Number.POSITIVE_INFINITY,
): number | undefined {
  const parts = pattern.split(PLACEHOLDER);
  // split() with one capture group alternates literal, width, literal, width, ...
  let source = '^';
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 0) source += (parts[i] ?? '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else source += '(\\d+)';
  }
  const match = new RegExp(`${source}$`).exec(name);
  if (!match?.[1]) return undefined;
  const index = Number(match[1]);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) return undefined;
  return deviceName(pattern, index) === name ? index : undefined;
}
