/**
 * Terminal progress of a run, as a run observer: a few short lines (like k6's) redrawn in place on a
 * TTY, the same lines every 5 s otherwise, nothing with --quiet. Each line fits 80 columns. Writes to
 * stderr so stdout keeps only results.
 */
import type { RunObserver } from '../engine/observer.ts';
import type { LiveStats } from '../metrics/aggregator.ts';

/** Options of `renderProgress`. */
export interface ProgressFrame {
  durationMs: number;
  /** Width to fit (default 80). */
  columns?: number;
}

const BAR = 20;
const n = (v: number) => Math.round(v).toLocaleString('en-US');
const ms = (v: number) => (v >= 100 ? `${Math.round(v)}ms` : `${v.toFixed(1)}ms`);

/** Cuts a line to `columns` characters (an ellipsis marks the cut). */
function clip(line: string, columns: number): string {
  return line.length <= columns ? line : `${line.slice(0, Math.max(0, columns - 1))}…`;
}

/**
 * The progress lines of a moment of the run: time, bar and active devices; device outcomes; requests
 * (req/s, failure %); the top error code; the p99 of each call active over the last seconds (wrapped).
 * Each line fits `columns`.
 */
export function renderProgress(live: LiveStats, frame: ProgressFrame): string[] {
  const columns = frame.columns ?? 80;
  const total = Math.max(1, Math.round(frame.durationMs / 1000));
  const elapsed = Math.min(total, Math.floor(live.elapsedSec));
  const filled = Math.round((BAR * elapsed) / total);
  const bar = `[${'='.repeat(filled)}${' '.repeat(BAR - filled)}]`;
  const lines = [`running  ${bar} ${elapsed}s/${total}s · ${n(live.devicesActive)} devices active`];
  lines.push(
    `devices  ${n(live.upgraded)} upgraded · ${n(live.failed)} failed · ${n(live.cancelled)} cancelled` +
      (live.dropped ? ` · ${n(live.dropped)} dropped` : ''),
  );
  const pct = live.requests > 0 ? `${(100 * live.errorRate).toFixed(live.errorRate < 0.1 ? 2 : 1)}%` : '0%';
  lines.push(`requests ${n(live.rps)}/s · ${n(live.requests)} sent · ${pct} failed`);
  if (live.topError) lines.push(`errors   top ${live.topError.code} ×${n(live.topError.count)}`);
  const p99 = Object.entries(live.callP99Ms).map(([call, v]) => `${call} ${ms(v)}`);
  lines.push(...wrap('p99      ', p99.length > 0 ? p99 : ['-'], columns));
  return lines.map((l) => clip(l, columns));
}

/** `items` joined with " · " after `head`, wrapped onto indented lines of at most `columns`. */
function wrap(head: string, items: readonly string[], columns: number): string[] {
  const indent = ' '.repeat(head.length);
  const out: string[] = [];
  let line = head;
  for (const item of items) {
    const sep = line === head || line === indent ? '' : ' · ';
    if (line.length + sep.length + item.length > columns && line !== head && line !== indent) {
      out.push(line);
      line = indent + item;
    } else line += sep + item;
  }
  out.push(line);
  return out;
}

/** Creates the progress display of a run of `durationMs`. */
export function createProgress(opts: {
  quiet: boolean;
  durationMs: number;
  stream?: NodeJS.WriteStream;
}): RunObserver {
  if (opts.quiet) return {};
  const out = opts.stream ?? process.stderr;
  const frame = { durationMs: opts.durationMs, columns: Math.min(80, out.columns || 80) };
  if (out.isTTY) {
    let drawn = 0;
    return {
      onSnapshot({ live }) {
        const lines = renderProgress(live, frame);
        out.write(`${drawn > 0 ? `\x1b[${drawn}A\x1b[J` : ''}${lines.join('\n')}\n`);
        drawn = lines.length;
      },
    };
  }
  let last = Number.NEGATIVE_INFINITY;
  return {
    onSnapshot({ live }) {
      if (live.elapsedSec - last < 5) return;
      last = live.elapsedSec;
      out.write(`${renderProgress(live, frame).join('\n')}\n`);
    },
  };
}
