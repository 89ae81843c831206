/**
 * Series keys: a metric name plus tags, serialised as `name{k=v,k2=v2}` with tags sorted by key.
 * Tag values have `%`, `,`, `=`, `{` and `}` percent-encoded so every key parses back exactly.
 */
import type { Tags } from './registry.ts';

/** A parsed series key. */
export interface MetricKey {
  name: string;
  tags: Record<string, string>;
}

const SPECIAL = /[%,={}]/g;

function encodeValue(value: string | number): string {
  const s = String(value);
  return s.replace(SPECIAL, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function decodeValue(value: string): string {
  return value.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Serialises a name and tags to a series key (no tags → the bare name). Allocates: not for hot paths. */
export function metricKey(name: string, tags?: Tags): string {
  if (tags === undefined) return name;
  const keys = Object.keys(tags).filter((k) => tags[k] !== undefined);
  if (keys.length === 0) return name;
  keys.sort();
  let out = `${name}{`;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out += `${i > 0 ? ',' : ''}${encodeValue(k)}=${encodeValue(tags[k]!)}`;
  }
  return `${out}}`;
}

/** Parses a series key made by `metricKey`; a key without braces has no tags. */
export function parseMetricKey(key: string): MetricKey {
  const open = key.indexOf('{');
  if (open < 0 || !key.endsWith('}')) return { name: key, tags: {} };
  const tags: Record<string, string> = {};
  const body = key.slice(open + 1, -1);
  if (body.length > 0) {
    for (const pair of body.split(',')) {
      const eq = pair.indexOf('=');
      if (eq < 0) tags[decodeValue(pair)] = '';
      else tags[decodeValue(pair.slice(0, eq))] = decodeValue(pair.slice(eq + 1));
    }
  }
  return { name: key.slice(0, open), tags };
}

/** The metric name of a series key (the part before `{`). */
export function metricNameOf(key: string): string {
  const open = key.indexOf('{');
  return open < 0 ? key : key.slice(0, open);
}

/** One series of a counters or histograms record, its key parsed once into name and tags. */
export interface Series<T> {
  key: string;
  name: string;
  tags: Readonly<Record<string, string>>;
  value: T;
}

/** Parses every key of `record` once (consumers that need tags read these instead of re-parsing keys). */
export function parseSeries<T>(record: Readonly<Record<string, T>>): Series<T>[] {
  const out: Series<T>[] = [];
  for (const [key, value] of Object.entries(record)) {
    const { name, tags } = parseMetricKey(key);
    out.push({ key, name, tags, value });
  }
  return out;
}

/** Series as given, or parsed once from a record. */
export function asSeries<T>(from: Readonly<Record<string, T>> | readonly Series<T>[]): readonly Series<T>[] {
  return Array.isArray(from) ? from : parseSeries(from as Readonly<Record<string, T>>);
}
