/** Number formatting shared by the text, Markdown and HTML renderings (pure). */
import type { ThresholdResult, ValueUnit } from '../metrics/run-summary.ts';

/** A latency in µs with a sensible unit: `850µs`, `12.3ms`, `4.10s`, `2m05s`; `-` for no data. */
export function formatMicros(micros: number | null | undefined): string {
  if (micros === null || micros === undefined || !Number.isFinite(micros)) return '-';
  if (micros < 999.5) return `${Math.round(micros)}µs`;
  if (micros < 999_500) return `${sig3(micros / 1000)}ms`;
  return formatMillis(micros / 1000);
}

/** A duration in ms: `850ms`, `4.10s`, `2m05s`, `1h02m`; `-` for null. */
export function formatMillis(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-';
  if (ms < 999.5) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 59.95) return `${sig3(s)}s`;
  const totalSec = Math.round(s);
  if (totalSec < 3600) return `${Math.floor(totalSec / 60)}m${pad2(totalSec % 60)}s`;
  const totalMin = Math.round(totalSec / 60);
  return `${Math.floor(totalMin / 60)}h${pad2(totalMin % 60)}m`;
}

/** Three significant digits without exponent: 1.23, 12.3, 123. */
function sig3(v: number): string {
  if (v >= 99.95) return v.toFixed(0);
  if (v >= 9.995) return v.toFixed(1);
  return v.toFixed(2);
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A byte count in binary units: `512 B`, `1.5 KiB`, `75.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v.toFixed(1)} ${units[i]}`;
}

/** A fraction 0..1 as a percentage with one decimal (`91.5%`); tiny non-zero values keep two. */
export function formatPercent(fraction: number): string {
  const p = fraction * 100;
  if (p > 0 && p < 0.1) return `${p.toFixed(2)}%`;
  return `${p.toFixed(1)}%`;
}

/** An integer count with thousands separators (`12,345`). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A rate per second with up to one decimal (`214.0/s` → `214/s` above 100). */
export function formatRate(perSecond: number, unit = '/s'): string {
  return `${perSecond >= 100 ? formatCount(perSecond) : perSecond.toFixed(1)}${unit}`;
}

/** A measured threshold or compared value: in its unit when known (`12.3ms`, `99.5%`, `214/s`), else a number up to 4 significant digits. */
export function formatObserved(v: number | null, unit?: ValueUnit): string {
  if (v === null || !Number.isFinite(v)) return '-';
  if (unit === 'ms') return formatMicros(v * 1000);
  if (unit === 'ratio') return `${Number((v * 100).toPrecision(4))}%`;
  const text = Number.isInteger(v) ? formatCount(v) : String(Number(v.toPrecision(4)));
  return unit === 'per_second' ? `${text}/s` : text;
}

/** The observed cell of a threshold: its value, or why there is none; marks the one that aborted the run. */
export function formatThresholdObserved(t: ThresholdResult): string {
  const value = t.observed === null && t.detail !== undefined ? t.detail : formatObserved(t.observed, t.unit);
  return t.abortedRun ? `${value} (aborted the run)` : value;
}
