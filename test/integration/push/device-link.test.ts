/**
 * Device MQTT links (mqtt-packet over real TCP) against a real aedes broker on 127.0.0.1:0, with
 * mqtt.js as the independent oracle: it publishes the informs and sees the devices' replies. A broker
 * restart on the same port: every link reconnects, subscribes again and answers the next inform.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createClock } from '../../../src/device/clock.ts';
import { type MqttLink, startMqttLink } from '../../../src/device/mqtt.ts';
import { createRng } from '../../../src/device/random.ts';
import { encodeInform, informReplyTopic, informTopic, parseInformReply } from '../../../src/ota/mqtt.ts';
import { createKeptRecorder } from '../../helpers/device-harness.ts';

const DEVICES = 20;

async function startBroker(port = 0): Promise<{ server: Server; broker: Aedes; port: number }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, broker, port: (server.address() as AddressInfo).port };
}

async function stopBroker(b: { server: Server; broker: Aedes }): Promise<void> {
  await new Promise<void>((r) => b.broker.close(() => r()));
  await new Promise<void>((r) => b.server.close(() => r()));
}

/** Waits for `cond` by short turns; the timeout is only a safety net. */
async function waitFor(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('device MQTT links against a real aedes broker, mqtt.js as the oracle', () => {
  it('every device answers its inform with the same id; a broker restart is followed by reconnects', async () => {
    let b = await startBroker();
    const port = b.port;
    cleanups.push(() => stopBroker(b));
    const clock = createClock();
    const recorder = createKeptRecorder();
    const informed = new Map<string, string[]>();
    const links: MqttLink[] = [];
    for (let i = 1; i <= DEVICES; i++) {
      const device = `dev-${i}`;
      links.push(
        startMqttLink({
          settings: {
            host: '127.0.0.1',
            port,
            keepaliveSec: 30,
            connectTimeoutMs: 5000,
            reconnect: { baseDelay: 50, maxDelay: 200 },
          },
          productId: 'p1',
          device,
          password: () => `token-of-${device}`,
          clock,
          rng: createRng(i),
          recorder,
          onInform: (inform) => informed.set(device, [...(informed.get(device) ?? []), inform.id]),
        }),
      );
    }
    cleanups.push(async () => {
      clock.stop();
      await Promise.all(links.map((l) => l.ended));
    });
    await waitFor(() => links.every((l) => l.subscribed), 'every link subscribed');

    const oracle = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'oracle',
      reconnectPeriod: 0,
    });
    const replies: { topic: string; id: string }[] = [];
    oracle.on('message', (topic, payload) => {
      const r = parseInformReply(payload);
      if (r.ok) replies.push({ topic, id: r.value.id });
    });
    await oracle.subscribeAsync('$sys/p1/+/ota/inform_reply', { qos: 1 });
    expect(recorder.total('mqtt_connections_up')).toBe(DEVICES);
    for (let i = 1; i <= DEVICES; i++)
      await oracle.publishAsync(informTopic('p1', `dev-${i}`), encodeInform(`first-${i}`), { qos: 1 });
    await waitFor(() => replies.length === DEVICES, 'a reply per device');
    for (let i = 1; i <= DEVICES; i++) {
      expect(replies).toContainEqual({ topic: informReplyTopic('p1', `dev-${i}`), id: `first-${i}` });
      expect(informed.get(`dev-${i}`)).toEqual([`first-${i}`]);
    }
    await oracle.endAsync();

    // the broker goes away and comes back on the same port (in-memory persistence: sessions are gone)
    await stopBroker(b);
    await waitFor(() => recorder.total('mqtt_connections_dropped') === DEVICES, 'every drop counted');
    b = await startBroker(port);
    await waitFor(
      () => recorder.total('mqtt_connections_up') === 2 * DEVICES && links.every((l) => l.subscribed),
      'every link back and subscribed again',
    );
    const oracle2 = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: 'oracle-2',
      reconnectPeriod: 0,
    });
    const replies2: string[] = [];
    oracle2.on('message', (_topic, payload) => {
      const r = parseInformReply(payload);
      if (r.ok) replies2.push(r.value.id);
    });
    await oracle2.subscribeAsync('$sys/p1/+/ota/inform_reply', { qos: 1 });
    for (let i = 1; i <= DEVICES; i++)
      await oracle2.publishAsync(informTopic('p1', `dev-${i}`), encodeInform(`second-${i}`), { qos: 1 });
    await waitFor(() => replies2.length === DEVICES, 'a reply per device after the restart');
    expect(new Set(replies2).size).toBe(DEVICES);
    expect(recorder.total('mqtt_informs_received')).toBe(2 * DEVICES);
    expect(recorder.errors('ERR_MQTT_CONNECT_REFUSED')).toBe(0);
    await oracle2.endAsync();
  }, 60_000);
});
