/**
 * Test helper: scrapes a `/metrics` endpoint and parses it with parse-prometheus-text-format (a real
 * Prometheus text-format parser, not a regex) into typed families.
 */
import { createRequire } from 'node:module';

/** One sample of a counter, gauge or summary family (values are numbers here). */
export interface Sample {
  labels: Record<string, string>;
  value?: number;
  quantiles?: Record<string, number>;
  count?: number;
  sum?: number;
}

/** One metric family. */
export interface Family {
  name: string;
  type: string;
  help: string;
  metrics: Sample[];
}

interface RawSample {
  labels?: Record<string, string>;
  value?: string;
  quantiles?: Record<string, string>;
  count?: string;
  sum?: string;
}

// the package ships no types; its CommonJS build has one default export
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (
  text: string,
) => { name: string; type: string; help: string; metrics: RawSample[] }[];

/**
 * Parses Prometheus text exposition into families by name. parse-prometheus-text-format 1.1.1 folds
 * every sample of a summary into one and drops its labels (its `flattenMetrics`), so summary families
 * are read a second time as untyped samples (`x`, `x_sum`, `x_count` with their labels) and put back
 * together per label set here.
 */
export function parseExposition(text: string): Map<string, Family> {
  const out = new Map<string, Family>();
  const summaries = new Set<string>();
  for (const f of parse(text)) {
    if (f.type === 'SUMMARY') summaries.add(f.name);
    out.set(f.name, { name: f.name, type: f.type, help: f.help, metrics: f.metrics.map(toSample) });
  }
  if (summaries.size === 0) return out;
  const untyped = parse(text.replace(/^# TYPE (\S+) summary$/gm, '# TYPE $1 untyped'));
  // an untyped family ends at each change of name, so `x` comes back once per label set: gather them
  const raw = new Map<string, Sample[]>();
  for (const f of untyped) raw.set(f.name, [...(raw.get(f.name) ?? []), ...f.metrics.map(toSample)]);
  for (const name of summaries) {
    const byLabels = new Map<string, Sample>();
    const entry = (labels: Record<string, string>) => {
      const { quantile: _q, ...rest } = labels;
      const key = JSON.stringify(rest);
      let sample = byLabels.get(key);
      if (sample === undefined) {
        sample = { labels: rest, quantiles: {} };
        byLabels.set(key, sample);
      }
      return sample;
    };
    for (const m of raw.get(name) ?? [])
      entry(m.labels).quantiles![m.labels['quantile'] ?? ''] = m.value ?? 0;
    for (const m of raw.get(`${name}_sum`) ?? []) entry(m.labels).sum = m.value ?? 0;
    for (const m of raw.get(`${name}_count`) ?? []) entry(m.labels).count = m.value ?? 0;
    out.get(name)!.metrics = [...byLabels.values()];
  }
  return out;
}

function toSample(m: RawSample): Sample {
  return {
    labels: m.labels ?? {},
    ...(m.value !== undefined ? { value: Number(m.value) } : {}),
    ...(m.count !== undefined ? { count: Number(m.count) } : {}),
    ...(m.sum !== undefined ? { sum: Number(m.sum) } : {}),
  };
}

/** GETs `url` (with optional headers) and parses the body; throws on a non-200 answer. */
export async function scrape(
  url: string,
  headers: Record<string, string> = {},
): Promise<Map<string, Family>> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: HTTP ${res.status}: ${text}`);
  return parseExposition(text);
}

/** Sum of a family's sample values whose labels match `where` (0 when the family is absent). */
export function total(
  families: Map<string, Family>,
  name: string,
  where: Record<string, string> = {},
): number {
  let sum = 0;
  for (const m of families.get(name)?.metrics ?? [])
    if (Object.entries(where).every(([k, v]) => m.labels[k] === v)) sum += m.value ?? 0;
  return sum;
}

/** Every (label set → value) of the counters of a scrape, keyed `name{labels}`, for "only grows" checks. */
export function counterValues(families: Map<string, Family>): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of families.values()) {
    if (f.type !== 'COUNTER' && f.type !== 'SUMMARY') continue;
    for (const m of f.metrics) {
      const key = `${f.name}${JSON.stringify(m.labels)}`;
      if (f.type === 'COUNTER') out.set(key, m.value ?? 0);
      else out.set(`${key}_count`, m.count ?? 0);
    }
  }
  return out;
}
