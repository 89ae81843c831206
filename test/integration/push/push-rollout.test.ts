/**
 * A compressed push rollout on the embedded server with its MQTT broker: real worker threads, real
 * undici, real aedes on 127.0.0.1:0. 200 devices, 80% push (notify both, a 10-minute fallback poll),
 * 20% polling; one batch with MQTT notification. The test waits for "every push device upgraded" as a
 * count seen by a run observer, then checks the push figures in the summary.
 */
import { describe, expect, it } from 'vitest';
import { createRng, deviceSeed, pickWeighted } from '../../../src/device/random.ts';
import type { RunObserver } from '../../../src/engine/observer.ts';
import { runScenario } from '../../../src/engine/run.ts';
import { parseMetricKey } from '../../../src/metrics/keys.ts';
import { scenario, silentLog } from '../engine/helpers.ts';

const POLL_MS = 8000;

/** How many devices of the fleet draw each profile (the worker draws the same way, by seed). */
function profileCounts(s: ReturnType<typeof scenario>): Record<string, number> {
  const profiles = s.profiles.map((p) => ({ value: p, weight: p.weight }));
  const counts: Record<string, number> = {};
  for (let i = 1; i <= s.fleet.count; i++) {
    const p = pickWeighted(profiles, createRng(deviceSeed(s.seed, i)).next());
    counts[p.name] = (counts[p.name] ?? 0) + 1;
  }
  return counts;
}

function upgradedOf(counters: Readonly<Record<string, number>>, profile: string): number {
  let n = 0;
  for (const [key, v] of Object.entries(counters)) {
    const k = parseMetricKey(key);
    if (k.name === 'devices_upgraded' && k.tags.profile === profile) n += v;
  }
  return n;
}

describe('push rollout over MQTT on the embedded server', () => {
  it('informs every connected push device at the batch start; they upgrade well within the pollers’ interval', async () => {
    const s = scenario({
      fleet: { count: 200, versions: { f_version: { 'V1.0': 1 } }, boot: { over: '500ms' } },
      profiles: [
        { name: 'push', weight: 4, notify: 'both', pollInterval: '10m', installTime: '100ms' },
        { name: 'poller', weight: 1, pollInterval: `${POLL_MS}ms`, installTime: '100ms' },
      ],
      rollout: {
        packages: [{ name: 'fw', targetVersion: 'V2.0', size: '16KiB' }],
        steps: [
          {
            at: '4s',
            batch: { name: 'push-batch', package: 'fw', fromVersion: 'V1.0', notify: { mqtt: true } },
          },
        ],
      },
      stop: { duration: '60s' },
    });
    const counts = profileCounts(s);
    const pushDevices = counts.push!;
    expect(pushDevices).toBeGreaterThan(140);
    let pushDoneSecond: number | undefined;
    const watch: RunObserver = {
      onSnapshot(snap) {
        if (pushDoneSecond === undefined && upgradedOf(snap.soFar.counters, 'push') >= pushDevices)
          pushDoneSecond = snap.second;
      },
    };
    const { summary } = await runScenario({
      scenario: s,
      scenarioFile: 'push.yaml',
      scenarioSource: 'name: push',
      log: silentLog,
      workers: 2,
      observers: [watch],
    });
    expect(summary.run.partial).toBe(false);
    expect(summary.run.endReason).toBe('settled');
    // the event the test waits for: every push device upgraded
    expect(pushDoneSecond).toBeDefined();
    expect(upgradedOf(summary.counters, 'push')).toBe(pushDevices);
    expect(upgradedOf(summary.counters, 'poller')).toBe(counts.poller);
    expect(summary.rollout?.upgraded).toBe(200);
    // one MQTT session per push device, none for the pollers, no failures
    expect(summary.counters.mqtt_connections_up).toBe(pushDevices);
    expect(summary.counters.mqtt_connections_failed ?? 0).toBe(0);
    // the server informs each device whose task is still pending when the batch starts: on a busy machine a
    // push device whose boot check came after the start found the task by itself, so not every one is told
    const informed = summary.counters.mqtt_informs_received!;
    expect(informed).toBeGreaterThanOrEqual(Math.floor(pushDevices * 0.8));
    expect(informed).toBeLessThanOrEqual(pushDevices);
    expect(summary.counters.mqtt_informs_duplicate ?? 0).toBe(0);
    // the push path's latency, inform receipt → check reply: one per inform, under the poll interval
    const i2c = summary.durations.inform_to_check!;
    expect(i2c.count).toBe(informed);
    expect(i2c.p99).toBeGreaterThan(0);
    expect(i2c.p99).toBeLessThan(POLL_MS * 1000);
    expect(summary.durations.mqtt_connect_duration?.count).toBe(pushDevices);
  }, 120_000);
});
