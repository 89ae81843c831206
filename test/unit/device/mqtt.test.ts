/**
 * A device's MQTT link against a scripted in-memory broker, in virtual time: login, subscription,
 * inform replies, duplicates, keep-alive, refusals and the reconnect back-off.
 */
import { describe, expect, it } from 'vitest';
import { type MqttSettings, reconnectDelay, startMqttLink } from '../../../src/device/mqtt.ts';
import { createRng } from '../../../src/device/random.ts';
import { type Inform, informReplyTopic, informTopic } from '../../../src/ota/mqtt.ts';
import { createKeptRecorder } from '../../helpers/device-harness.ts';
import { createFakeBroker, createSteppedClock, flush, until } from '../../helpers/mqtt-harness.ts';

const settings: MqttSettings = {
  host: '127.0.0.1',
  port: 1883,
  keepaliveSec: 60,
  connectTimeoutMs: 10_000,
  reconnect: { baseDelay: 1000, maxDelay: 30_000 },
};

function rigLink(o: { passwords?: string[]; refuse?: number[] } = {}) {
  const clock = createSteppedClock();
  const broker = createFakeBroker();
  broker.refuse = o.refuse ?? [];
  const recorder = createKeptRecorder();
  const informs: { inform: Inform; at: number }[] = [];
  let n = 0;
  const link = startMqttLink({
    settings,
    productId: 'p1',
    device: 'dev-1',
    password: () => o.passwords?.[Math.min(n++, o.passwords.length - 1)] ?? 'tok',
    clock,
    rng: createRng(5),
    recorder,
    onInform: (inform, at) => informs.push({ inform, at }),
    open: broker.open,
  });
  return { clock, broker, recorder, informs, link };
}

describe('device MQTT link: login and subscription', () => {
  it('logs in as the platform asks (client id = device, username = product, password = token) and subscribes to its inform topic at QoS 1', async () => {
    const { broker, link, recorder, clock } = rigLink({ passwords: ['token-1'] });
    await until(() => link.connected, 'connected');
    const c = broker.sent('connect')[0]!;
    expect(c.clientId).toBe('dev-1');
    expect(c.username).toBe('p1');
    expect(String(c.password)).toBe('token-1');
    expect(c.keepalive).toBe(60);
    await until(() => broker.sent('subscribe').length === 1, 'subscribed');
    expect(broker.sent('subscribe')[0]!.subscriptions).toEqual([
      { topic: informTopic('p1', 'dev-1'), qos: 1 },
    ]);
    expect(recorder.total('mqtt_connections_up')).toBe(1);
    clock.stop();
    await link.ended;
    expect(broker.sent('disconnect')).toHaveLength(1);
  });
});

describe('device MQTT link: informs', () => {
  it('acknowledges a QoS 1 inform, replies with the same id on inform_reply and hands it to the device once', async () => {
    const { broker, link, recorder, informs, clock } = rigLink();
    await until(() => broker.sent('subscribe').length === 1, 'subscribed');
    broker.inform(JSON.stringify({ id: 'inf-1', version: 'V2' }), { messageId: 9 });
    await until(() => broker.sent('publish').length === 1, 'replied');
    expect(broker.sent('puback').map((p) => p.messageId)).toEqual([9]);
    const reply = broker.sent('publish')[0]!;
    expect(reply.topic).toBe(informReplyTopic('p1', 'dev-1'));
    expect(JSON.parse(String(reply.payload))).toEqual({ id: 'inf-1', code: 200, msg: 'success' });
    expect(informs.map((i) => i.inform.id)).toEqual(['inf-1']);
    expect(informs[0]!.at).toBe(clock.now());
    expect(recorder.total('mqtt_informs_received')).toBe(1);
    clock.stop();
    await link.ended;
  });

  it('answers a duplicate inform (same id, e.g. a QoS 1 redelivery) but does not act on it again', async () => {
    const { broker, link, recorder, informs, clock } = rigLink();
    await until(() => broker.sent('subscribe').length === 1, 'subscribed');
    broker.inform(JSON.stringify({ id: 'inf-1' }), { messageId: 1 });
    broker.inform(JSON.stringify({ id: 'inf-1' }), { messageId: 2 });
    broker.inform(JSON.stringify({ id: 'inf-2' }), { messageId: 3 });
    await until(() => broker.sent('publish').length === 3, 'three replies');
    expect(informs.map((i) => i.inform.id)).toEqual(['inf-1', 'inf-2']);
    expect(recorder.total('mqtt_informs_duplicate')).toBe(1);
    expect(recorder.total('mqtt_informs_received')).toBe(2);
    clock.stop();
    await link.ended;
  });

  it('counts an inform without an id as ERR_MQTT_BAD_INFORM and ignores messages on other topics', async () => {
    const { broker, link, recorder, informs, clock } = rigLink();
    await until(() => broker.sent('subscribe').length === 1, 'subscribed');
    broker.inform('{"code":1}', { messageId: 1 });
    broker.inform(JSON.stringify({ id: 'x' }), { messageId: 2, topic: '$sys/p1/dev-2/ota/inform' });
    await until(() => broker.sent('puback').length === 2, 'acked');
    expect(recorder.errors('ERR_MQTT_BAD_INFORM')).toBe(1);
    expect(informs).toHaveLength(0);
    expect(broker.sent('publish')).toHaveLength(0);
    clock.stop();
    await link.ended;
  });
});

describe('device MQTT link: keep-alive, refusal and reconnect', () => {
  it('pings every keep-alive and counts a drop when no PINGRESP comes back', async () => {
    const { broker, link, recorder, clock } = rigLink();
    await until(() => link.connected, 'connected');
    await clock.advance(60_000);
    expect(broker.sent('pingreq')).toHaveLength(1);
    expect(link.connected).toBe(true);
    broker.pong = false;
    await clock.advance(60_000);
    await clock.advance(60_000);
    expect(broker.sent('pingreq')).toHaveLength(2);
    expect(recorder.total('mqtt_connections_dropped')).toBe(1);
    expect(recorder.errors('ERR_MQTT_DROPPED')).toBe(1);
    clock.stop();
    await link.ended;
  });

  it('refused logins back off with jitter, growing each time, and log in again with a fresh token', async () => {
    const { broker, link, recorder, clock } = rigLink({ passwords: ['old', 'old', 'fresh'], refuse: [4, 5] });
    await until(() => recorder.total('mqtt_connections_failed') === 1, 'first refusal');
    expect(recorder.errors('ERR_MQTT_CONNECT_REFUSED')).toBe(1);
    const first = clock.sleeps.at(-1)!;
    expect(first).toBeGreaterThanOrEqual(500);
    expect(first).toBeLessThanOrEqual(1000);
    // not one reconnect before the back-off has passed
    await clock.advance(first - 1);
    expect(broker.connections).toHaveLength(1);
    await clock.advance(1);
    await until(() => recorder.total('mqtt_connections_failed') === 2, 'second refusal');
    expect(broker.connections).toHaveLength(2);
    const second = clock.sleeps.at(-1)!;
    expect(second).toBeGreaterThanOrEqual(1000);
    expect(second).toBeLessThanOrEqual(2000);
    await clock.advance(second);
    await until(() => link.connected, 'third attempt accepted');
    expect(broker.sent('connect').map((c) => String(c.password))).toEqual(['old', 'old', 'fresh']);
    expect(recorder.total('mqtt_connections_up')).toBe(1);
    clock.stop();
    await link.ended;
  });

  it('reconnects after the broker drops an established session and subscribes again', async () => {
    const { broker, link, recorder, clock } = rigLink();
    await until(() => broker.sent('subscribe').length === 1, 'subscribed');
    broker.connections[0]!.drop();
    await until(() => recorder.total('mqtt_connections_dropped') === 1, 'drop seen');
    expect(link.connected).toBe(false);
    await clock.advance(1000);
    await until(() => broker.sent('subscribe').length === 2, 'subscribed again');
    expect(recorder.total('mqtt_connections_up')).toBe(2);
    clock.stop();
    await link.ended;
  });

  it('gives up an attempt with no CONNACK within the connect timeout', async () => {
    const clock = createSteppedClock();
    const recorder = createKeptRecorder();
    const broker = createFakeBroker();
    const silent = () => {
      const side = broker.open();
      // swallow the CONNECT: the broker never answers
      side.write = (() => true) as never;
      return side;
    };
    const link = startMqttLink({
      settings,
      productId: 'p1',
      device: 'dev-1',
      password: () => 'tok',
      clock,
      rng: createRng(1),
      recorder,
      onInform: () => {},
      open: silent,
    });
    await flush();
    await clock.advance(10_000);
    expect(recorder.errors('ERR_MQTT_CONNECT_TIMEOUT')).toBe(1);
    expect(recorder.total('mqtt_connections_failed')).toBe(1);
    clock.stop();
    await link.ended;
  });
});

describe('reconnectDelay', () => {
  it('is equal jitter over a doubling, capped delay', () => {
    const p = { baseDelay: 1000, maxDelay: 8000 };
    expect(reconnectDelay(p, 1, 0)).toBe(500);
    expect(reconnectDelay(p, 1, 1)).toBe(1000);
    expect(reconnectDelay(p, 3, 0.5)).toBe(3000);
    expect(reconnectDelay(p, 10, 1)).toBe(8000);
  });
});
