/**
 * For unit tests of a device's MQTT link: a stepped manual clock (sleeps wait until the test advances
 * virtual time, so several timers can run side by side) and a scripted in-memory broker speaking MQTT
 * 3.1.1 through mqtt-packet. No sockets, no wall clock.
 */
import { Duplex } from 'node:stream';
import mqttPacket from 'mqtt-packet';
import type { Clock } from '../../src/device/clock.ts';

/** A manual clock whose sleeps end only when `advance` passes their time. */
export interface SteppedClock extends Clock {
  /** Moves virtual time forward by `ms`, waking due sleepers in time order (and letting them run). */
  advance(ms: number): Promise<void>;
  /** Every sleep asked for, ms. */
  readonly sleeps: number[];
}

/** Lets pending promise callbacks and stream events run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Waits (by turns of the event loop, not by time) until `cond()` holds; fails after `rounds` turns. */
export async function until(cond: () => boolean, what: string, rounds = 2000): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (cond()) return;
    await new Promise<void>((r) => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

/** Creates a stepped clock at `start` ms. */
export function createSteppedClock(start = 1000): SteppedClock {
  let now = start;
  let stopped = false;
  let sleepers: { at: number; resolve: () => void }[] = [];
  let markStopped: () => void = () => {};
  const whenStopped = new Promise<void>((r) => {
    markStopped = r;
  });
  const sleeps: number[] = [];
  const sleepUntil = (at: number): Promise<void> => {
    if (stopped || at <= now) return Promise.resolve();
    return new Promise<void>((resolve) => sleepers.push({ at, resolve }));
  };
  const clock: SteppedClock = {
    sleeps,
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      return sleepUntil(now + Math.max(0, ms));
    },
    sleepUntil,
    get stopped() {
      return stopped;
    },
    whenStopped,
    stop() {
      if (stopped) return;
      stopped = true;
      markStopped();
      const all = sleepers;
      sleepers = [];
      for (const s of all) s.resolve();
    },
    child: () => clock,
    async advance(ms) {
      const target = now + ms;
      for (;;) {
        await flush();
        const due = sleepers.filter((s) => s.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!due) break;
        sleepers = sleepers.filter((s) => s !== due);
        now = Math.max(now, due.at);
        due.resolve();
      }
      now = target;
      await flush();
    },
  };
  return clock;
}

/** One connection the fake broker accepted. */
export interface FakeConnection {
  /** Packets the device sent, in order. */
  received: mqttPacket.Packet[];
  send(p: mqttPacket.Packet): void;
  /** The broker drops the connection (the device sees its socket close). */
  drop(): void;
  readonly side: Duplex;
}

/** A scripted broker: `open` is the link's socket factory. */
export interface FakeBroker {
  connections: FakeConnection[];
  /** CONNACK return code for the next connects, in order (then 0). */
  refuse: number[];
  /** Answer PINGREQ (default true). */
  pong: boolean;
  open: () => Duplex;
  /** Publishes an inform payload (to `$sys/p1/dev-1/ota/inform` unless told) on connection `i` (default: the latest), QoS 1. */
  inform(payload: string, opts?: { connection?: number; messageId?: number; topic?: string }): void;
  /** Packets of a kind the device sent over every connection. */
  sent<C extends mqttPacket.Packet['cmd']>(cmd: C): Extract<mqttPacket.Packet, { cmd: C }>[];
}

/** Creates a fake broker that CONNACKs (or refuses), SUBACKs with QoS 1, and answers pings. */
export function createFakeBroker(): FakeBroker {
  const broker: FakeBroker = {
    connections: [],
    refuse: [],
    pong: true,
    open() {
      const parser = mqttPacket.parser({ protocolVersion: 4 });
      const conn: FakeConnection = {
        received: [],
        // asynchronously, as from a socket: a push inside the device's own write would re-enter its parser
        send: (p) => {
          const bytes = mqttPacket.generate(p);
          setImmediate(() => {
            if (!side.destroyed) side.push(bytes);
          });
        },
        drop: () => setImmediate(() => side.destroy()),
        get side() {
          return side;
        },
      };
      const side: Duplex = new Duplex({
        read() {},
        write(chunk: Buffer, _enc, cb) {
          parser.parse(chunk);
          cb();
        },
      });
      parser.on('packet', (p: mqttPacket.Packet) => {
        conn.received.push(p);
        if (p.cmd === 'connect') {
          const rc = broker.refuse.shift() ?? 0;
          conn.send({ cmd: 'connack', returnCode: rc, sessionPresent: false });
        } else if (p.cmd === 'subscribe') {
          conn.send({ cmd: 'suback', messageId: p.messageId, granted: p.subscriptions.map(() => 1) });
        } else if (p.cmd === 'pingreq' && broker.pong) conn.send({ cmd: 'pingresp' });
      });
      broker.connections.push(conn);
      return side;
    },
    inform(payload, opts = {}) {
      const conn = broker.connections[opts.connection ?? broker.connections.length - 1]!;
      conn.send({
        cmd: 'publish',
        topic: opts.topic ?? '$sys/p1/dev-1/ota/inform',
        payload,
        qos: 1,
        messageId: opts.messageId ?? 7,
        retain: false,
        dup: false,
      });
    },
    sent(cmd) {
      return broker.connections.flatMap((c) => c.received.filter((p) => p.cmd === cmd)) as never;
    },
  };
  return broker;
}
