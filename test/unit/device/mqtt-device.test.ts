/**
 * A push device (profile notify mqtt / both): an inform wakes its wait between passes and its check
 * goes out at once; `both` still polls on its interval; `poll` opens no MQTT connection. Virtual time.
 */
import { describe, expect, it } from 'vitest';
import type { MqttSettings } from '../../../src/device/mqtt.ts';
import { Errno } from '../../../src/ota/codes.ts';
import { encodeEnvelope } from '../../../src/ota/envelope.ts';
import { createRig } from '../../helpers/device-harness.ts';
import { createFakeBroker, createSteppedClock, until } from '../../helpers/mqtt-harness.ts';

const settings: MqttSettings = {
  host: '127.0.0.1',
  port: 1883,
  keepaliveSec: 600,
  connectTimeoutMs: 10_000,
  reconnect: { baseDelay: 1000, maxDelay: 30_000 },
};

/** A device whose check answers "no task" until `release()`, wired to a fake broker and a stepped clock. */
function pushRig(notify: 'mqtt' | 'both' | 'poll', pollInterval = '10m') {
  let released = false;
  const rig = createRig({
    mode: 'loop',
    profile: { notify, pollInterval, pollJitter: 0, installTime: '1s' },
    script: (req) =>
      req.call === 'check' && !released ? { body: encodeEnvelope('studio', Errno.NO_TASK) } : undefined,
  });
  const clock = createSteppedClock();
  const durations: { metric: string; us: number }[] = [];
  rig.ctx.clock = clock;
  rig.ctx.recorder = {
    ...rig.recorder,
    recordDuration: (metric, us) => durations.push({ metric, us }),
  };
  rig.opts.bootAt = clock.now();
  const broker = createFakeBroker();
  rig.opts.mqtt = { settings, productId: 'p1', open: broker.open };
  return { rig, clock, broker, durations, release: () => (released = true) };
}

describe('push device: an inform starts the flow at once', () => {
  it('checks as soon as an inform arrives, with no time passing, and upgrades', async () => {
    const { rig, clock, broker, durations, release } = pushRig('mqtt');
    const ran = rig.run();
    await until(
      () => rig.requests('check').length === 1 && broker.sent('subscribe').length === 1,
      'boot pass',
    );
    // a push-only device does not poll: an hour passes without a second check
    await clock.advance(3_600_000);
    expect(rig.requests('check')).toHaveLength(1);
    release();
    const t = clock.now();
    broker.inform(JSON.stringify({ id: 'inf-1' }));
    await until(() => rig.requests('check').length === 2, 'check after the inform');
    expect(clock.now()).toBe(t);
    // the inform was answered on inform_reply
    expect(JSON.parse(String(broker.sent('publish')[0]!.payload))).toMatchObject({ id: 'inf-1', code: 200 });
    await until(() => rig.requests('download').length === 1, 'download');
    await clock.advance(1000); // installTime
    await until(() => rig.recorder.total('devices_upgraded') === 1, 'upgraded');
    const push = durations.filter((d) => d.metric === 'inform_to_check');
    expect(push).toHaveLength(1);
    expect(rig.recorder.total('mqtt_informs_received')).toBe(1);
    clock.stop();
    await ran;
    expect(broker.sent('disconnect')).toHaveLength(1);
  });

  it('acts once on a duplicate inform: one extra pass, not two', async () => {
    const { rig, clock, broker } = pushRig('mqtt');
    const ran = rig.run();
    await until(
      () => rig.requests('check').length === 1 && broker.sent('subscribe').length === 1,
      'boot pass',
    );
    broker.inform(JSON.stringify({ id: 'same' }), { messageId: 1 });
    await until(() => rig.requests('check').length === 2, 'check after the inform');
    broker.inform(JSON.stringify({ id: 'same' }), { messageId: 2 });
    await until(() => broker.sent('publish').length === 2, 'duplicate answered');
    await clock.advance(3_600_000);
    expect(rig.requests('check')).toHaveLength(2);
    expect(rig.recorder.total('mqtt_informs_duplicate')).toBe(1);
    clock.stop();
    await ran;
  });
});

describe('push device: fallback poll and poll-only', () => {
  it('with notify both still polls on its interval when no inform comes', async () => {
    const { rig, clock, broker } = pushRig('both', '10m');
    const ran = rig.run();
    await until(() => rig.requests('check').length === 1 && broker.connections.length === 1, 'boot pass');
    await clock.advance(599_000);
    expect(rig.requests('check')).toHaveLength(1);
    await clock.advance(1000);
    await until(() => rig.requests('check').length === 2, 'fallback poll');
    // an inform in between wakes it early
    broker.inform(JSON.stringify({ id: 'inf-1' }));
    await until(() => rig.requests('check').length === 3, 'check after the inform');
    clock.stop();
    await ran;
  });

  it('with notify poll opens no MQTT connection even when a broker is known', async () => {
    const { rig, clock, broker } = pushRig('poll', '30s');
    const ran = rig.run();
    await until(() => rig.requests('check').length === 1, 'boot pass');
    await clock.advance(30_000);
    await until(() => rig.requests('check').length === 2, 'second poll');
    expect(broker.connections).toHaveLength(0);
    clock.stop();
    await ran;
  });
});
