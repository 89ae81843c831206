/**
 * Sends a download body at a capped rate (bytes per second), in slices every TICK_MS. Used for the
 * demo product so a rollout by hand takes minutes, as over a slow cellular link. The timer is
 * injected: the server passes `ctx.later` (cleared on close), tests a manual scheduler.
 */

/** How often a paced body gets its next slice, ms. */
export const PACE_TICK_MS = 100;

/** The part of a ServerResponse a paced send uses. */
export interface PacedSink {
  readonly destroyed: boolean;
  write(chunk: Buffer): boolean;
  end(): void;
}

/** Bytes per slice for a rate: at least 1, so any positive rate makes progress. */
export function sliceBytes(bytesPerSecond: number, tickMs = PACE_TICK_MS): number {
  return Math.max(1, Math.floor((bytesPerSecond * tickMs) / 1000));
}

/**
 * Writes `body` to `sink` one slice now and one every `tickMs` after, then ends it; stops quietly
 * when the sink is destroyed (the device went away) or `schedule` never calls back (server closed).
 */
export function sendPaced(
  sink: PacedSink,
  body: Buffer,
  bytesPerSecond: number,
  schedule: (ms: number, fn: () => void) => void,
  tickMs = PACE_TICK_MS,
): void {
  const slice = sliceBytes(bytesPerSecond, tickMs);
  let offset = 0;
  const step = (): void => {
    if (sink.destroyed) return;
    const next = Math.min(body.length, offset + slice);
    if (next > offset) sink.write(body.subarray(offset, next));
    offset = next;
    if (offset >= body.length) sink.end();
    else schedule(tickMs, step);
  };
  step();
}
