/**
 * The embedded MQTT broker against mqtt.js as the client, on 127.0.0.1 port 0: login, ACL, the
 * `ota/inform` push of a batch, `inform_reply` recorded per task, late subscribers and a restart.
 */
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Inform } from '../../../src/ota/mqtt.ts';
import {
  encodeInformReply,
  informReplyTopic,
  informTopic,
  mqttLogin,
  parseInform,
} from '../../../src/ota/mqtt.ts';
import {
  ACCESS_KEY,
  deviceToken,
  PID,
  productToken,
  seedFleet,
  startTestServer,
  type TestServer,
  tempDir,
  waitFor,
} from './helpers.ts';

/** A device over mqtt.js: its client and every inform it received. */
interface MqttDevice {
  client: MqttClient;
  informs: Inform[];
  /** Resolves with the next inform (or the first one not yet taken). */
  next(): Promise<Inform>;
}

const open: MqttClient[] = [];

async function connectDevice(
  url: string,
  name: string,
  password: string,
  extra: Partial<IClientOptions> = {},
): Promise<MqttDevice> {
  const login = mqttLogin(PID, name, password);
  // The handlers go on before the CONNACK: a resumed session may replay a message right behind it.
  const client = mqtt.connect(url, {
    ...login,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...extra,
  });
  open.push(client);
  const informs: Inform[] = [];
  let taken = 0;
  const waiters: ((i: Inform) => void)[] = [];
  client.on('message', (topic, payload) => {
    if (topic !== informTopic(PID, name)) return;
    const parsed = parseInform(payload);
    if (!parsed.ok) throw new Error(parsed.reason);
    informs.push(parsed.value);
    const w = waiters.shift();
    if (w) {
      taken++;
      w(parsed.value);
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  return {
    client,
    informs,
    next() {
      if (taken < informs.length) return Promise.resolve(informs[taken++]!);
      return new Promise((resolve) => waiters.push(resolve));
    },
  };
}

/** The CONNACK return code a refused login gets. */
async function refusedCode(url: string, clientId: string, username: string, password: string) {
  const client = mqtt.connect(url, {
    clientId,
    username,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
  });
  open.push(client);
  return new Promise<number | undefined>((resolve) => {
    client.once('error', (err) => resolve((err as Error & { code?: number }).code));
    client.once('connect', () => resolve(0));
  });
}

describe('MQTT broker', () => {
  let t: TestServer;
  let url: string;
  let pkgId: number;
  const keys = new Map<string, string>();
  const devToken = (name: string) => deviceToken(PID, name, keys.get(name)!);

  beforeAll(async () => {
    t = await startTestServer({ mqttPort: 0 });
    url = t.server.mqttUrl!;
    pkgId = await seedFleet(t, { count: 6 });
    for (const d of (await t.admin.listDevices(PID)).devices) keys.set(d.name, d.key);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await t.close();
  });

  it('says its URL in /api/health', async () => {
    expect(url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    expect((await t.admin.health()).mqtt).toBe(url);
  });

  it('accepts a device token and a product token, refuses bad ones with CONNACK 4', async () => {
    const byDevice = await connectDevice(url, 'd1', devToken('d1'));
    expect(byDevice.client.connected).toBe(true);
    const byProduct = await connectDevice(url, 'd2', productToken(PID, ACCESS_KEY));
    expect(byProduct.client.connected).toBe(true);
    await waitFor(async () => (await t.admin.stats()).mqtt.connected === 2);
    expect((await t.admin.stats()).mqtt.connected).toBe(2);

    const before = (await t.admin.stats()).mqtt.connectsRefused;
    // d3's token signed with d1's key, an expired one, another device's token, an unknown device.
    const wrongKey = deviceToken(PID, 'd3', keys.get('d1')!);
    const expired = deviceToken(PID, 'd3', keys.get('d3')!, { et: Math.floor(Date.now() / 1000) - 10 });
    expect(await refusedCode(url, 'd3', PID, wrongKey)).toBe(4);
    expect(await refusedCode(url, 'd3', PID, expired)).toBe(4);
    expect(await refusedCode(url, 'd3', PID, devToken('d1'))).toBe(4);
    expect(await refusedCode(url, 'nobody', PID, productToken(PID, ACCESS_KEY))).toBe(4);
    expect(await refusedCode(url, 'd3', 'other-product', devToken('d3'))).toBe(4);
    expect((await t.admin.stats()).mqtt.connectsRefused).toBe(before + 5);
  });

  it("refuses another device's topic (SUBACK 0x80, publish drops the connection) and counts it", async () => {
    const d1 = await connectDevice(url, 'd1', devToken('d1'));
    const before = (await t.admin.stats()).mqtt.aclRefused;
    const topics = [informTopic(PID, 'd2'), '$sys/#', informTopic(PID, 'd1')];
    // The SUBACK as it arrives on the wire (mqtt.js reports a refusal as an error without the codes).
    const granted = new Promise<number[]>((resolve) =>
      d1.client.on('packetreceive', (p) => {
        if (p.cmd === 'suback') resolve(p.granted as number[]);
      }),
    );
    d1.client.subscribe(topics, { qos: 1 }, () => undefined);
    expect(await granted).toEqual([128, 128, 1]);
    const closed = new Promise<void>((r) => d1.client.once('close', () => r()));
    d1.client.publish(informReplyTopic(PID, 'd2'), encodeInformReply('x'), { qos: 1 });
    await closed;
    expect((await t.admin.stats()).mqtt.aclRefused).toBe(before + 3);
  });

  it('a batch start publishes one inform per connected targeted device; replies are recorded per task', async () => {
    const before = (await t.admin.stats()).mqtt;
    const d1 = await connectDevice(url, 'd1', devToken('d1'));
    const d2 = await connectDevice(url, 'd2', devToken('d2'));
    const d3 = await connectDevice(url, 'd3', devToken('d3'));
    for (const d of [d1, d2, d3])
      await d.client.subscribeAsync(informTopic(PID, d.client.options.clientId!), { qos: 1 });
    const batch = await t.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      devices: ['d1', 'd2', 'd4'],
      notify: { mqtt: true },
    });
    expect(batch.notify).toEqual({ mqtt: true, url: null });
    const [i1, i2] = await Promise.all([d1.next(), d2.next()]);
    const tasks = (await t.admin.listTasks(batch.id)).tasks;
    const tid = (dev: string) => tasks.find((x) => x.device === dev)!.tid;
    expect(i1!.task).toMatchObject({ tid: String(tid('d1')), target: 'V2.0', size: 1000 });
    expect(i2!.task).toMatchObject({ tid: String(tid('d2')), target: 'V2.0' });
    expect(i1!.id).not.toBe(i2!.id);

    // A reply with another id, and d2 answering with d1's id: both ignored.
    d2.client.publish(informReplyTopic(PID, 'd2'), encodeInformReply(i1!.id), { qos: 1 });
    d1.client.publish(informReplyTopic(PID, 'd1'), encodeInformReply(`${tid('d1')}-0000000000000000`), {
      qos: 1,
    });
    await d1.client.publishAsync(informReplyTopic(PID, 'd1'), encodeInformReply(i1!.id), { qos: 1 });
    expect(await waitFor(async () => (await t.admin.getBatch(batch.id)).acknowledged === 1)).toBe(true);
    const stats = (await t.admin.stats()).mqtt;
    expect(stats.informsSent - before.informsSent).toBe(2);
    expect(stats.repliesOk - before.repliesOk).toBe(1);
    expect(stats.repliesIgnored - before.repliesIgnored).toBe(2);
    expect(d3.informs).toEqual([]);
    expect(d1.informs).toHaveLength(1);
    const after = (await t.admin.listTasks(batch.id)).tasks;
    const view = (dev: string) => after.find((x) => x.device === dev)!;
    expect(view('d1')).toMatchObject({ notified: 1, acknowledged: true });
    expect(view('d1').acknowledgedAt).toBeTypeOf('number');
    expect(view('d2')).toMatchObject({ notified: 1, acknowledged: false });
    expect(view('d4')).toMatchObject({ notified: 0, acknowledged: false });
    expect(await t.admin.getBatch(batch.id)).toMatchObject({ notified: 2, acknowledged: 1 });

    // d4 connects after the start: it gets its pending task when it subscribes.
    const d4 = await connectDevice(url, 'd4', devToken('d4'));
    await d4.client.subscribeAsync(informTopic(PID, 'd4'), { qos: 1 });
    const i4 = await d4.next();
    expect(i4.task?.tid).toBe(String(tid('d4')));
    await t.admin.cancelBatch(batch.id);
  });

  it('a persistent session (clean=false) gets, on reconnect, the inform queued while it was away', async () => {
    const first = await connectDevice(url, 'd6', devToken('d6'), { clean: false });
    await first.client.subscribeAsync(informTopic(PID, 'd6'), { qos: 1 });
    await first.client.endAsync();
    expect(await waitFor(async () => (await t.admin.stats()).mqtt.connected === 0)).toBe(true);
    const before = (await t.admin.stats()).mqtt.informsSent;
    const batch = await t.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      devices: ['d6'],
      notify: { mqtt: true },
    });
    expect((await t.admin.stats()).mqtt.informsSent).toBe(before + 1);
    // Back with the same session and no SUBSCRIBE: the broker replays the queued QoS 1 inform.
    const back = await connectDevice(url, 'd6', devToken('d6'), { clean: false });
    const inform = await back.next();
    const [task] = (await t.admin.listTasks(batch.id)).tasks;
    expect(inform.task?.tid).toBe(String(task!.tid));
    await back.client.publishAsync(informReplyTopic(PID, 'd6'), encodeInformReply(inform.id), { qos: 1 });
    expect(await waitFor(async () => (await t.admin.getBatch(batch.id)).acknowledged === 1)).toBe(true);
    // Told once: the resumed session is not informed a second time.
    expect(back.informs).toHaveLength(1);
    expect((await t.admin.listTasks(batch.id)).tasks[0]).toMatchObject({ notified: 1, acknowledged: true });
    await t.admin.cancelBatch(batch.id);
  });

  it('informs again on a retry of the task', async () => {
    const d5 = await connectDevice(url, 'd5', devToken('d5'));
    await d5.client.subscribeAsync(informTopic(PID, 'd5'), { qos: 1 });
    const batch = await t.admin.createBatch(pkgId, {
      fromVersion: 'V1.0',
      devices: ['d5'],
      notify: { mqtt: true },
      timeoutSec: 0.05,
      retry: { count: 1, intervalSec: 0 },
    });
    const first = await d5.next();
    const second = await d5.next();
    expect(second.task?.tid).toBe(first.task?.tid);
    expect(second.id).not.toBe(first.id);
    // Two attempts (the first timed out), one inform each; the second attempt times out too and ends.
    expect((await t.admin.listTasks(batch.id)).tasks[0]).toMatchObject({ notified: 2, attempts: 2 });
  });

  it('refuses notify.mqtt on a server without a broker', async () => {
    const plain = await startTestServer();
    try {
      const id = await seedFleet(plain, { count: 1 });
      await expect(
        plain.admin.createBatch(id, { fromVersion: 'V1.0', notify: { mqtt: true } }),
      ).rejects.toThrow(/--mqtt-port/);
    } finally {
      await plain.close();
    }
  });
});

describe('MQTT broker across a server restart', () => {
  it('a device reconnecting to the restarted server (--data) gets its pending task on subscribe', async () => {
    const { dir, cleanup } = tempDir();
    const dataFile = join(dir, 'ota.db');
    try {
      let t = await startTestServer({ mqttPort: 0, dataFile });
      const pkgId = await seedFleet(t, { count: 2 });
      const key = (await t.admin.getDevice(PID, 'd1')).key;
      const d1 = await connectDevice(t.server.mqttUrl!, 'd1', deviceToken(PID, 'd1', key), { clean: false });
      await d1.client.subscribeAsync(informTopic(PID, 'd1'), { qos: 1 });
      const batch = await t.admin.createBatch(pkgId, { fromVersion: 'V1.0', notify: { mqtt: true } });
      const before = await d1.next();
      await t.close();
      await Promise.all(open.splice(0).map((c) => c.endAsync(true)));

      t = await startTestServer({ mqttPort: 0, dataFile });
      try {
        const again = await connectDevice(t.server.mqttUrl!, 'd1', deviceToken(PID, 'd1', key), {
          clean: false,
        });
        await again.client.subscribeAsync(informTopic(PID, 'd1'), { qos: 1 });
        const after = await again.next();
        expect(after.task?.tid).toBe(before.task?.tid);
        expect(after.id).not.toBe(before.id);
        // The reply to the inform sent before the restart is still known (stored with the task).
        await again.client.publishAsync(informReplyTopic(PID, 'd1'), encodeInformReply(after.id), { qos: 1 });
        expect(await waitFor(async () => (await t.admin.getBatch(batch.id)).acknowledged === 1)).toBe(true);
        const task = (await t.admin.listTasks(batch.id, { device: 'd1' })).tasks[0];
        expect(task).toMatchObject({ notified: 2, acknowledged: true });
      } finally {
        await Promise.all(open.splice(0).map((c) => c.endAsync(true)));
        await t.close();
      }
    } finally {
      cleanup();
    }
  });
});
