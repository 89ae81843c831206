/**
 * A device's MQTT connection for the platform push (spec §5): one MQTT 3.1.1 session over a plain
 * `net` socket, spoken with the `mqtt-packet` codec (a few KB per idle connection, against several
 * times that for an mqtt.js client: see bench/mqtt.ts). It logs in with a fresh token on every
 * connect, subscribes to the device's inform topic (QoS 1), answers every inform on `inform_reply`,
 * hands each new inform to the device, pings on the keep-alive and reconnects with back-off and jitter.
 * Timers come from the device clock (one heap, one timer per worker), so an idle device costs memory,
 * not CPU. Failures are counted with stable codes; nothing here throws because a broker misbehaved.
 */
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import type { ErrorCode } from '../error-codes.ts';
import type { Recorder } from '../metrics/recorder.ts';
import { encodeInformReply, type Inform, informReplyTopic, informTopic, parseInform } from '../ota/mqtt.ts';
import type { Clock } from './clock.ts';
import type { Rng } from './random.ts';

/** Where the broker is and how a device's session behaves. */
export interface MqttSettings {
  host: string;
  port: number;
  /** Seconds between PINGREQs (the CONNECT keep-alive). */
  keepaliveSec: number;
  /** Longest wait from opening the socket to the CONNACK, ms. */
  connectTimeoutMs: number;
  /** Reconnect back-off: the first delay and the cap, ms (equal jitter: half fixed, half random). */
  reconnect: { baseDelay: number; maxDelay: number };
}

/** Everything one device's MQTT link needs. */
export interface MqttLinkOptions {
  settings: MqttSettings;
  productId: string;
  device: string;
  /** The §2 token to log in with, read on every connect (the token source renews it before `et`). */
  password: () => string | undefined;
  clock: Clock;
  rng: Rng;
  recorder: Recorder;
  /** Called once per new inform (not for duplicates), with `clock.now()` at its receipt. */
  onInform: (inform: Inform, receivedAt: number) => void;
  /** Opens the byte stream to the broker (tests pass an in-memory one); default: a TCP socket. */
  open?: (host: string, port: number) => Duplex;
}

/** A running MQTT link. */
export interface MqttLink {
  /** True while a session is up (CONNACK accepted). */
  readonly connected: boolean;
  /** True while a session is up and the broker has granted the inform subscription (SUBACK). */
  readonly subscribed: boolean;
  /** Resolves when the link has ended (the clock stopped or `close()` was called). */
  readonly ended: Promise<void>;
  /** Disconnects and stops reconnecting. */
  close(): void;
}

/** How one session ended. */
type SessionEnd = 'refused' | 'failed' | 'dropped' | 'closed';

/** How many recent inform ids a device remembers to spot duplicates. */
const SEEN_IDS = 32;

/** Reconnect delay before attempt `n` (1-based): equal jitter over min(max, base·2^(n-1)), ms. */
export function reconnectDelay(policy: MqttSettings['reconnect'], attempt: number, u: number): number {
  const cap = Math.min(policy.maxDelay, policy.baseDelay * 2 ** Math.max(0, attempt - 1));
  return cap / 2 + (cap / 2) * u;
}

/** Starts a device's MQTT link; it connects at once and keeps reconnecting until closed or stopped. */
export function startMqttLink(o: MqttLinkOptions): MqttLink {
  let closed = false;
  let connected = false;
  let subscribed = false;
  let endSession: ((why: SessionEnd) => void) | undefined;
  let wakeBackoff: (() => void) | undefined;
  const seen: string[] = [];
  const open = o.open ?? ((host, port) => netConnect({ host, port }));

  const close = () => {
    if (closed) return;
    closed = true;
    endSession?.('closed');
    wakeBackoff?.();
  };
  void o.clock.whenStopped.then(close);

  const session = (): Promise<SessionEnd> =>
    new Promise<SessionEnd>((resolve) => {
      const { recorder, clock, settings } = o;
      const t0 = clock.now();
      const topic = informTopic(o.productId, o.device);
      const sock = open(settings.host, settings.port);
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      let up = false;
      let done = false;
      let messageId = 0;
      let awaitingPong = false;
      const send = (p: mqttPacket.Packet) => {
        if (!sock.destroyed) sock.write(mqttPacket.generate(p));
      };
      const fail = (code: ErrorCode, detail: string, why: SessionEnd) => {
        if (done) return;
        if (why === 'dropped') recorder.count('mqtt_connections_dropped');
        else recorder.count('mqtt_connections_failed', 1, { code });
        recorder.count('errors', 1, { code, call: 'mqtt', detail });
        end(why);
      };
      const end = (why: SessionEnd) => {
        if (done) return;
        done = true;
        connected = false;
        subscribed = false;
        endSession = undefined;
        if (why === 'closed' && up && !sock.destroyed) {
          send({ cmd: 'disconnect' });
          // the DISCONNECT flushed, the socket goes: a stopped run holds no MQTT socket open
          sock.end(() => sock.destroy());
        } else sock.destroy();
        resolve(why);
      };
      endSession = end;

      const keepAlive = async () => {
        while (!done) {
          await clock.sleep(settings.keepaliveSec * 1000);
          if (done) return;
          if (awaitingPong) return fail('ERR_MQTT_DROPPED', 'keep-alive: no PINGRESP', 'dropped');
          awaitingPong = true;
          send({ cmd: 'pingreq' });
        }
      };
      const onPublish = (p: mqttPacket.IPublishPacket) => {
        if (p.qos > 0 && p.messageId !== undefined) send({ cmd: 'puback', messageId: p.messageId });
        if (p.topic !== topic) return;
        const receivedAt = clock.now();
        const parsed = parseInform(p.payload as Buffer | string);
        if (!parsed.ok) {
          recorder.count('errors', 1, { code: 'ERR_MQTT_BAD_INFORM', call: 'mqtt', detail: parsed.reason });
          return;
        }
        const { id } = parsed.value;
        messageId = (messageId % 65535) + 1;
        send({
          cmd: 'publish',
          topic: informReplyTopic(o.productId, o.device),
          payload: encodeInformReply(id),
          qos: 1,
          messageId,
          retain: false,
          dup: false,
        });
        if (seen.includes(id)) {
          recorder.count('mqtt_informs_duplicate');
          return;
        }
        seen.push(id);
        if (seen.length > SEEN_IDS) seen.shift();
        recorder.count('mqtt_informs_received');
        o.onInform(parsed.value, receivedAt);
      };
      parser.on('packet', (p: mqttPacket.Packet) => {
        switch (p.cmd) {
          case 'connack':
            if (p.returnCode !== 0)
              return fail('ERR_MQTT_CONNECT_REFUSED', `CONNACK return code ${p.returnCode}`, 'refused');
            up = true;
            connected = true;
            recorder.recordDuration(
              'mqtt_connect_duration',
              Math.max(1, Math.round((clock.now() - t0) * 1000)),
            );
            recorder.count('mqtt_connections_up');
            messageId = 1;
            send({
              cmd: 'subscribe',
              messageId,
              subscriptions: [{ topic, qos: 1 }],
            });
            void keepAlive();
            return;
          case 'publish':
            return onPublish(p);
          case 'pingresp':
            awaitingPong = false;
            return;
          case 'suback':
            if (p.granted.some((g) => typeof g === 'number' && g >= 0x80))
              fail('ERR_MQTT_SUBSCRIBE_REFUSED', 'SUBACK refused the inform topic', 'refused');
            else subscribed = true;
            return;
          default:
            return;
        }
      });
      parser.on('error', (err: Error) => fail('ERR_MQTT_PROTOCOL', err.message, up ? 'dropped' : 'failed'));
      sock.on('data', (b: Buffer) => parser.parse(b));
      sock.on('error', (err: NodeJS.ErrnoException) => {
        if (up) fail('ERR_MQTT_DROPPED', err.code ?? err.message, 'dropped');
        else fail('ERR_MQTT_CONNECT_FAILED', err.code ?? err.message, 'failed');
      });
      sock.on('close', () => {
        if (up) fail('ERR_MQTT_DROPPED', 'connection closed by the broker', 'dropped');
        else fail('ERR_MQTT_CONNECT_FAILED', 'connection closed before CONNACK', 'failed');
      });
      void clock.sleep(settings.connectTimeoutMs).then(() => {
        if (!up)
          fail('ERR_MQTT_CONNECT_TIMEOUT', `no CONNACK within ${settings.connectTimeoutMs} ms`, 'failed');
      });
      const password = o.password();
      send({
        cmd: 'connect',
        protocolId: 'MQTT',
        protocolVersion: 4,
        clientId: o.device,
        clean: false,
        keepalive: settings.keepaliveSec,
        username: o.productId,
        ...(password !== undefined ? { password: Buffer.from(password) } : {}),
      });
    });

  const run = async () => {
    let attempt = 0;
    while (!closed && !o.clock.stopped) {
      const why = await session();
      if (why === 'closed' || closed || o.clock.stopped) return;
      // a session that came up and then dropped starts the back-off over; refusals keep growing it
      attempt = why === 'dropped' ? 1 : attempt + 1;
      const delay = reconnectDelay(o.settings.reconnect, attempt, o.rng.next());
      await new Promise<void>((resolve) => {
        wakeBackoff = resolve;
        void o.clock.sleep(delay).then(resolve);
      });
      wakeBackoff = undefined;
    }
  };
  const ended = run();
  return {
    get connected() {
      return connected;
    },
    get subscribed() {
      return subscribed;
    },
    ended,
    close,
  };
}
