/**
 * The embedded MQTT 3.1.1 broker of the reference server (aedes, in-memory persistence) and the
 * platform push over it (spec §5): the device login (client id = device name, username = product id,
 * password = a §2 token, verified by the server's authenticator), the ACL (a device only under its own
 * `$sys/{pid}/{dev}/`), `ota/inform` on batch start / retry / subscribe, and `inform_reply` recorded per
 * task. Nothing here throws into the server: refusals are MQTT answers and counters.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { Aedes, type AuthenticateError, type Client, type Subscription } from 'aedes';
import { OtaFleetError } from '../../error-codes.ts';
import { TaskStatus } from '../../ota/codes.ts';
import { encodeInform, informTopic, parseInformReply } from '../../ota/mqtt.ts';
import type { Informer, ServerContext } from '../context.ts';
import type { TaskRecord } from '../store/records.ts';
import type { DeviceState } from '../store/state.ts';
import { filterMatches, mayUseTopic } from './acl.ts';

/** Where the broker listens. */
export interface MqttBrokerOptions {
  host: string;
  port: number;
}

/** A running broker: the server's informer plus its address and close. */
export interface MqttBroker extends Informer {
  readonly url: string;
  readonly port: number;
  /** Drops every connection and closes the broker and its listener. Idempotent. */
  close(): Promise<void>;
}

/** The device a connection logged in as. */
interface Login {
  productId: string;
  device: string;
}

/**
 * What the broker's session of a device holds, as the push sees it: a clean session lives as long as
 * its connection; a persistent one (clean=false) outlives it, and aedes queues QoS 1 messages for it
 * while the device is away and replays them when it comes back.
 */
interface Session extends Login {
  /** The connection now, if the device is online. */
  client: Client | undefined;
  persistent: boolean;
  /** Subscribed to its inform topic (by a SUBSCRIBE, or restored with its persistent session). */
  informs: boolean;
  /** `${tid}:${attempt}` already published into this session (no second inform for them). */
  informed: Set<string>;
}

// MQTT 3.1.1 CONNACK "bad user name or password".
const BAD_CREDENTIALS = 4;
// Longest client id accepted: a device name is at most 64 characters.
const MAX_CLIENT_ID = 64;

function refusal(message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: BAD_CREDENTIALS }) as AuthenticateError;
}

function mqttUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `mqtt://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : err.message;
      reject(new OtaFleetError('ERR_EMBEDDED_SERVER', `MQTT broker could not listen: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** The tid an inform id names (`{tid}-{random}`), or undefined. */
function tidOfInformId(id: string): number | undefined {
  const m = /^([1-9]\d{0,14})-[0-9a-f]{16}$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** Starts the broker on `options.host:port` over the server's state, auth and counters. */
export async function startMqttBroker(ctx: ServerContext, options: MqttBrokerOptions): Promise<MqttBroker> {
  const { state, stats } = ctx;
  const log = ctx.log.child({ part: 'mqtt' });
  const logins = new WeakMap<Client, Login>();
  const sessions = new Map<string, Session>();
  const online = new Map<string, Client>();
  // Inform ids sent per task during this process (the last one is also stored with the task).
  const sentIds = new Map<number, Set<string>>();
  const key = (productId: string, device: string): string => `${productId}\n${device}`;

  const broker = new Aedes({
    maxClientsIdLength: MAX_CLIENT_ID,
    heartbeatInterval: 3_600_000,
    authenticate(client, username, password, done) {
      const productId = username ?? '';
      const device = client.id;
      const token = password?.toString('latin1');
      const outcome = ctx.auth.authenticate(token, productId, device, Math.floor(Date.now() / 1000));
      if (outcome.errno !== 0 || !outcome.device) {
        stats.mqtt.connectsRefused++;
        done(refusal(outcome.missing ? 'unknown product or device' : 'bad token'), false);
        return;
      }
      logins.set(client, { productId, device });
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      const s = client ? logins.get(client) : undefined;
      if (!client) return done(null);
      if (!s || !mayUseTopic(s.productId, s.device, packet.topic)) {
        stats.mqtt.aclRefused++;
        return done(new Error(`publish to ${packet.topic.slice(0, 100)} refused`));
      }
      done(null);
    },
    authorizeSubscribe(client, sub, done) {
      const s = logins.get(client);
      if (!s || !mayUseTopic(s.productId, s.device, sub.topic)) {
        stats.mqtt.aclRefused++;
        // A null subscription is a refusal in the SUBACK (0x80); the connection stays.
        return done(null, null);
      }
      done(null, sub);
    },
  });

  const deviceOf = (s: Login): DeviceState | undefined => state.device(s.productId, s.device);
  /** The session of an online connection (undefined once another connection took it over). */
  const sessionOf = (client: Client): Session | undefined => {
    const login = logins.get(client);
    const s = login && sessions.get(key(login.productId, login.device));
    return s?.client === client ? s : undefined;
  };

  /** Publishes one inform of `task` to its device's topic (QoS 1) and counts it. */
  const publishInform = (task: TaskRecord, s: Session): void => {
    const pkg = state.packages.get(task.packageId);
    if (!pkg) return;
    const id = `${task.id}-${randomBytes(8).toString('hex')}`;
    task.notified++;
    task.informId = id;
    state.store.setTaskInform(task);
    let ids = sentIds.get(task.id);
    if (!ids) {
      ids = new Set();
      sentIds.set(task.id, ids);
    }
    ids.add(id);
    s.informed.add(`${task.id}:${task.attempts}`);
    stats.mqtt.informsSent++;
    const payload = encodeInform(id, {
      target: pkg.targetVersion,
      tid: task.id,
      size: pkg.size,
      md5: pkg.md5,
      status: task.status,
      type: pkg.type,
    });
    broker.publish(
      {
        cmd: 'publish',
        topic: informTopic(s.productId, s.device),
        payload: Buffer.from(payload),
        qos: 1,
        retain: false,
        dup: false,
      },
      (err) => {
        if (err) log.warn({ err: err.message, tid: task.id }, 'inform publish failed');
      },
    );
  };

  /** The pending tasks of a device whose batch notifies over MQTT. */
  const pendingInformable = (d: DeviceState): TaskRecord[] =>
    d.active.filter(
      (t): t is TaskRecord =>
        t !== undefined &&
        t.status === TaskStatus.PENDING &&
        t.retryAt === null &&
        state.batches.get(t.batchId)?.notifyMqtt === true,
    );

  /** Informs a subscribed connection of each pending task it has not been told about yet. */
  const catchUp = (s: Session): void => {
    const d = deviceOf(s);
    if (!d || !s.informs) return;
    for (const t of pendingInformable(d)) if (!s.informed.has(`${t.id}:${t.attempts}`)) publishInform(t, s);
  };

  const coversInform = (s: Session, filters: readonly { topic: string }[]): boolean =>
    filters.some((f) => filterMatches(f.topic, informTopic(s.productId, s.device)));

  broker.on('clientReady', (client) => {
    const login = logins.get(client);
    if (!login) return;
    const k = key(login.productId, login.device);
    online.set(k, client);
    stats.mqtt.connected = online.size;
    const kept = sessions.get(k);
    const resumed = !client.clean && kept !== undefined;
    const s: Session = resumed
      ? kept
      : { ...login, client, persistent: !client.clean, informs: false, informed: new Set() };
    s.client = client;
    sessions.set(k, s);
    if (resumed) {
      // aedes replays what the session queued; tell it only what it has not been told.
      catchUp(s);
      return;
    }
    if (client.clean) return;
    // A persistent session the broker knows and this process does not (none after a restart, as the
    // persistence is in memory): its subscriptions come back without a SUBSCRIBE.
    const persistence = (
      broker as unknown as { persistence: { subscriptionsByClient(c: Client): Promise<Subscription[]> } }
    ).persistence;
    persistence.subscriptionsByClient(client).then(
      (subs) => {
        if (ctx.closed() || s.client !== client || !coversInform(s, subs ?? [])) return;
        s.informs = true;
        catchUp(s);
      },
      (err: unknown) => log.warn({ err: String(err) }, 'session subscriptions lookup failed'),
    );
  });
  broker.on('clientDisconnect', (client) => {
    const login = logins.get(client);
    if (!login) return;
    const k = key(login.productId, login.device);
    if (online.get(k) === client) online.delete(k);
    stats.mqtt.connected = online.size;
    const s = sessions.get(k);
    if (s?.client !== client) return;
    s.client = undefined;
    if (!s.persistent) sessions.delete(k);
  });
  broker.on('subscribe', (subs, client) => {
    const s = sessionOf(client);
    if (!s || ctx.closed() || !coversInform(s, subs)) return;
    s.informs = true;
    catchUp(s);
  });
  broker.on('unsubscribe', (topics, client) => {
    const s = sessionOf(client);
    if (s && topics.some((t) => filterMatches(t, informTopic(s.productId, s.device)))) s.informs = false;
  });
  broker.on('publish', (packet, client) => {
    if (!client || ctx.closed()) return;
    const s = logins.get(client);
    if (!s || packet.topic !== `${informTopic(s.productId, s.device)}_reply`) return;
    recordReply(s, packet.payload);
  });

  const recordReply = (s: Login, payload: Buffer | string): void => {
    const reply = parseInformReply(payload);
    const tid = reply.ok ? tidOfInformId(reply.value.id) : undefined;
    const task = tid === undefined ? undefined : state.task(tid);
    const d = deviceOf(s);
    const known =
      reply.ok &&
      task !== undefined &&
      (sentIds.get(task.id)?.has(reply.value.id) || task.informId === reply.value.id);
    if (!reply.ok || !task || !d || task.deviceId !== d.id || !known || reply.value.code !== 200) {
      stats.mqtt.repliesIgnored++;
      return;
    }
    stats.mqtt.repliesOk++;
    task.ackedAt = Date.now();
    state.store.setTaskAck(task);
  };

  const forgetFinished = (): void => {
    if (sentIds.size <= 2 * state.liveTasks.size + 1024) return;
    for (const tid of sentIds.keys()) if (!state.liveTasks.has(tid)) sentIds.delete(tid);
  };

  await broker.listen();
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  let port: number;
  try {
    port = await listen(server, options.port, options.host);
  } catch (err) {
    await new Promise<void>((r) => broker.close(() => r()));
    throw err;
  }
  server.on('error', (err) => log.error({ err }, 'mqtt listener error'));
  const url = mqttUrl(options.host, port);
  log.info({ url }, 'MQTT broker listening');
  let closing: Promise<void> | undefined;
  return {
    enabled: true,
    url,
    port,
    inform(tasks) {
      forgetFinished();
      for (const t of tasks) {
        // Online and subscribed, or away with a persistent session that aedes queues the inform for.
        const d = state.devicesById.get(t.deviceId);
        const s = d && sessions.get(key(d.pid, d.name));
        if (s?.informs && t.status === TaskStatus.PENDING) publishInform(t, s);
      }
    },
    close() {
      closing ??= (async () => {
        const done = new Promise<void>((r) => server.close(() => r()));
        for (const socket of sockets) socket.destroy();
        await done;
        await new Promise<void>((r) => broker.close(() => r()));
        stats.mqtt.connected = 0;
      })();
      return closing;
    },
  };
}
