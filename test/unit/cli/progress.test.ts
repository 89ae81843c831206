import { describe, expect, it } from 'vitest';
import { createProgress, renderProgress } from '../../../src/cli/progress.ts';
import { createAggregator, type LiveStats } from '../../../src/metrics/aggregator.ts';
import { createRecorder } from '../../../src/metrics/recorder.ts';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

/** Live figures of a run with 10,000 devices, every call active and a long error code on top. */
function busyLive(): LiveStats {
  const agg = createAggregator({ startedAtMs: T0 });
  const r = createRecorder({ wasm: false, startMs: T0 });
  for (let i = 0; i < 2000; i++)
    r.recordCall('check', 12_345, i < 300 ? 'ERR_TRANSPORT_HEADERS_OVERFLOW' : undefined);
  for (let i = 0; i < 500; i++) r.recordCall('download', 250_000, i < 5 ? 'ERR_TRANSPORT_RESET' : undefined);
  for (const call of ['report-version', 'report-status', 'task-state'] as const)
    for (let i = 0; i < 100; i++) r.recordCall(call, 3_100);
  r.count('devices_upgraded', 4321, { profile: 'p', from: 'V1' });
  r.count('devices_failed', 123, { profile: 'p', reason: 'x' });
  r.count('device_starts_dropped', 99);
  r.gauge('devices_active', 10_000);
  agg.add(r.snapshot(T0 + 1000), 'w0');
  r.close();
  return agg.live(T0 + 12_400);
}

describe('progress lines', () => {
  it('fit 80 columns and show req/s, failure %, each active call’s p99 and the top error code', () => {
    const lines = renderProgress(busyLive(), { durationMs: 60_000 });
    expect(lines.length).toBeLessThanOrEqual(7);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(80);
    const text = lines.join('\n');
    expect(text).not.toMatch(/…/);
    expect(lines[0]).toMatch(/12s\/60s · 10,000 devices active/);
    expect(text).toMatch(/devices {2}4,321 upgraded · 123 failed · 0 cancelled · 99 dropped/);
    expect(text).toMatch(/requests 2,800\/s · 2,800 sent · 10\.9% failed\n/);
    expect(text).toMatch(/errors {3}top ERR_TRANSPORT_HEADERS_OVERFLOW ×300/);
    // every active call's p99, wrapped under its heading
    expect(text).toMatch(/p99 {6}report-version 3\.1ms · check 12\.\dms · download 25\dms/);
    expect(text).toMatch(/\n {9}report-status 3\.1ms · task-state 3\.1ms$/);
  });
  it('cuts a line that would not fit, with an ellipsis', () => {
    const lines = renderProgress(busyLive(), { durationMs: 60_000, columns: 40 });
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(40);
    expect(lines.some((l) => l.endsWith('…'))).toBe(true);
  });
  it('on a terminal redraws its lines in place; with --quiet it shows nothing', () => {
    let written = '';
    const stream = {
      isTTY: true,
      columns: 120,
      write: (t: string) => (written += t),
    } as unknown as NodeJS.WriteStream;
    const p = createProgress({ quiet: false, durationMs: 60_000, stream });
    const live = busyLive();
    p.onSnapshot?.({ live } as never);
    p.onSnapshot?.({ live } as never);
    const redraw = `${String.fromCharCode(27)}[${renderProgress(live, { durationMs: 60_000 }).length}A`;
    const frames = written.split(`${redraw}${String.fromCharCode(27)}[J`);
    expect(frames).toHaveLength(2);
    expect(frames[1]!.trimEnd().split('\n')).toEqual(renderProgress(live, { durationMs: 60_000 }));
    expect(createProgress({ quiet: true, durationMs: 1000, stream }).onSnapshot).toBeUndefined();
  });
});
