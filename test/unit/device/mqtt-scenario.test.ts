/**
 * The scenario keys of the push: profile notify and mqtt, target.mqtt, a batch's notify, the
 * push-needs-broker rule, and the MQTT sockets counted by the open-files check.
 */
import { describe, expect, it } from 'vitest';
import { socketsNeeded } from '../../../src/engine/fd-limit.ts';
import { parseScenario } from '../../../src/scenario/load.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

const parse = (yaml: string) => parseScenario(yaml, 's.yaml', { env: {} });

describe('scenario keys of the MQTT push', () => {
  it('a profile notifies by poll unless told, and reads notify and mqtt settings', () => {
    const s = scenarioSchema.parse({
      name: 'x',
      fleet: { count: 1 },
      profiles: [{ name: 'a' }, { name: 'b', notify: 'both', mqtt: { keepalive: '2m' } }],
    });
    expect(s.profiles[0]!.notify).toBe('poll');
    expect(s.profiles[1]!.notify).toBe('both');
    expect(s.profiles[1]!.mqtt).toEqual({
      keepalive: 120_000,
      connectTimeout: 10_000,
      reconnectDelay: 1000,
      reconnectMaxDelay: 30_000,
    });
  });

  it('refuses an unknown notify value and a non-mqtt broker URL, saying where', () => {
    const r = parse(
      'name: x\ntarget:\n  url: http://127.0.0.1:1\n  mqtt: http://127.0.0.1:1883\nproduct: { id: p, accessKey: k }\nfleet: { count: 1 }\nprofiles:\n  - name: a\n    notify: push\n',
    );
    expect(r.ok).toBe(false);
    const text = r.ok
      ? ''
      : r.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`).join('\n');
    expect(text).toMatch(/4:\d+ target\.mqtt: must be an mqtt URL/);
    expect(text).toMatch(/9:\d+ profiles\[0\]\.notify:/);
  });

  it('push-needs-broker: a push profile on a URL target needs target.mqtt', () => {
    const base =
      'name: x\ntarget:\n  url: http://127.0.0.1:1\nproduct: { id: p, accessKey: k }\nfleet: { count: 1 }\nprofiles:\n  - name: a\n    notify: mqtt\n';
    const r = parse(base);
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : r.problems.map((p) => p.message)).toContainEqual(
      expect.stringMatching(/set target\.mqtt/),
    );
    const fixed = parse(
      base.replace(
        '  url: http://127.0.0.1:1\n',
        '  url: http://127.0.0.1:1\n  mqtt: mqtt://127.0.0.1:1883\n',
      ),
    );
    expect(fixed.ok).toBe(true);
  });

  it('a batch step takes notify: { mqtt: true }', () => {
    const r = parse(
      'name: x\nfleet: { count: 1 }\nprofiles: [{ name: a, notify: both }]\nrollout:\n  packages: [{ name: fw, targetVersion: V2 }]\n  steps:\n    - at: 1s\n      batch: { package: fw, fromVersion: V1.0, notify: { mqtt: true } }\n',
    );
    expect(r.ok, r.ok ? '' : JSON.stringify(r.problems)).toBe(true);
    const step = r.ok ? r.scenario.rollout!.steps[0]! : undefined;
    expect(step && 'batch' in step ? step.batch.notify : undefined).toEqual({ mqtt: true });
  });
});

describe('open-files check counts MQTT sockets', () => {
  it('adds one socket per push device to the HTTP sockets', () => {
    const s = scenarioSchema.parse({
      name: 'x',
      fleet: { count: 1000 },
      connections: { mode: 'shared', poolSize: 10 },
      profiles: [
        { name: 'push', weight: 3, notify: 'mqtt' },
        { name: 'poll', weight: 1 },
      ],
    });
    expect(socketsNeeded(s, 1000, 2)).toBe(10 + 750);
    const pollOnly = scenarioSchema.parse({
      name: 'x',
      fleet: { count: 1000 },
      connections: { mode: 'shared', poolSize: 10 },
      profiles: [{ name: 'poll' }],
    });
    expect(socketsNeeded(pollOnly, 1000, 2)).toBe(10);
  });
});
