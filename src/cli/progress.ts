/**
 * Terminal progress of a run: a live bar on a TTY (cli-progress), a plain line every 5 s otherwise,
 * nothing with --quiet. Writes to stderr so stdout keeps only results.
 */
import cliProgress from 'cli-progress';
import type { LiveStats } from '../metrics/aggregator.ts';

/** What the run loop drives. */
export interface Progress {
  update(live: LiveStats): void;
  stop(): void;
}

/** One line of figures, shared by the bar and the plain lines. */
export function formatLive(live: LiveStats): string {
  const p99 = live.checkP99Ms === undefined ? '-' : `${live.checkP99Ms.toFixed(1)}ms`;
  return (
    `devices ${live.devicesActive} active · ${live.upgraded} upgraded · ${live.failed} failed · ${live.cancelled} cancelled` +
    `${live.dropped ? ` · ${live.dropped} dropped` : ''} | ${Math.round(live.rps)} req/s · p99 check ${p99} · errors ${live.errors}`
  );
}

/** Creates the progress display for a run of `durationMs`. */
export function createProgress(opts: { quiet: boolean; total: number; durationMs: number }): Progress {
  if (opts.quiet) return { update() {}, stop() {} };
  const seconds = Math.max(1, Math.round(opts.durationMs / 1000));
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: '{bar} {value}/{total}s | {live}',
        barsize: 20,
        hideCursor: true,
        clearOnComplete: false,
        fps: 4,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(seconds, 0, { live: 'starting…' });
    return {
      update: (live) =>
        bar.update(Math.min(seconds, Math.round(live.elapsedSec)), { live: formatLive(live) }),
      stop: () => bar.stop(),
    };
  }
  let last = -5;
  return {
    update(live) {
      if (live.elapsedSec - last < 5) return;
      last = live.elapsedSec;
      process.stderr.write(`[${Math.round(live.elapsedSec)}s/${seconds}s] ${formatLive(live)}\n`);
    },
    stop() {},
  };
}
