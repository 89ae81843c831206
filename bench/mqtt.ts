/**
 * Memory per idle MQTT connection, device side: ota-fleet's link (mqtt-packet over `net`) against
 * mqtt.js, each holding N subscribed connections to a local aedes broker (run in its own process, so
 * that only the client's memory is measured). Each client runs in a fresh process with --expose-gc;
 * it reports heap + external and RSS growth per connection after a GC, and the CPU it spends idle for
 * 5 s. Usage: `tsx bench/mqtt.ts [N ...]` (default 2000 10000). Traffic only to 127.0.0.1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const self = fileURLToPath(import.meta.url);
const IDLE_MS = 5000;

/** One measurement: bytes per connection and idle CPU. */
interface ClientFigure {
  client: string;
  connections: number;
  heapPerConn: number;
  rssPerConn: number;
  connectMs: number;
  idleCpuMs: number;
}

async function broker(): Promise<void> {
  const { Aedes } = await import('aedes');
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    process.stdout.write(`${typeof a === 'object' && a ? a.port : 0}\n`);
  });
}

function used(): { heap: number; rss: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

async function client(kind: string, n: number, port: number): Promise<void> {
  const before = used();
  const t0 = performance.now();
  let up = 0;
  const keep: unknown[] = [];
  const batch = 500;
  if (kind === 'mqtt-packet') {
    const { createClock } = await import('../src/device/clock.ts');
    const { startMqttLink } = await import('../src/device/mqtt.ts');
    const { createRng } = await import('../src/device/random.ts');
    const { createNullRecorder } = await import('../src/metrics/recorder.ts');
    const clock = createClock();
    const nul = createNullRecorder();
    const recorder = { ...nul, count: (name: string) => void (name === 'mqtt_connections_up' && up++) };
    for (let i = 0; i < n; i++) {
      keep.push(
        startMqttLink({
          settings: {
            host: '127.0.0.1',
            port,
            keepaliveSec: 60,
            connectTimeoutMs: 30_000,
            reconnect: { baseDelay: 1000, maxDelay: 30_000 },
          },
          productId: 'p1',
          device: `d-${i}`,
          password: () => 'tok',
          clock,
          rng: createRng(i),
          recorder: recorder as never,
          onInform: () => {},
        }),
      );
      if ((i + 1) % batch === 0) while (up < i + 1) await new Promise((r) => setTimeout(r, 5));
    }
  } else {
    const mqtt = await import('mqtt');
    for (let i = 0; i < n; i++) {
      const c = mqtt.connect(`mqtt://127.0.0.1:${port}`, {
        clientId: `d-${i}`,
        username: 'p1',
        password: 'tok',
        keepalive: 60,
        clean: false,
        reconnectPeriod: 0,
      });
      c.on('connect', () => {
        c.subscribe(`$sys/p1/d-${i}/ota/inform`, { qos: 1 }, () => {
          up++;
        });
      });
      keep.push(c);
      if ((i + 1) % batch === 0) while (up < i + 1) await new Promise((r) => setTimeout(r, 5));
    }
  }
  while (up < n) await new Promise((r) => setTimeout(r, 5));
  const connectMs = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const after = used();
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const cpu = process.cpuUsage(cpu0);
  const figure: ClientFigure = {
    client: kind,
    connections: n,
    heapPerConn: Math.round((after.heap - before.heap) / n),
    rssPerConn: Math.round((after.rss - before.rss) / n),
    connectMs: Math.round(connectMs),
    idleCpuMs: Math.round((cpu.user + cpu.system) / 1000),
  };
  process.stdout.write(`${JSON.stringify(figure)}\n`);
  process.exit(0);
}

async function firstLine(child: ChildProcess): Promise<string> {
  let text = '';
  for await (const chunk of child.stdout!) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return text.trim();
}

async function main(counts: number[]): Promise<void> {
  const rows: ClientFigure[] = [];
  for (const n of counts) {
    for (const kind of ['mqtt-packet', 'mqtt.js']) {
      const b = spawn(process.execPath, ['--import', 'tsx', self, 'broker'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const port = Number(await firstLine(b));
      const c = spawn(
        process.execPath,
        ['--expose-gc', '--import', 'tsx', self, 'client', kind, String(n), String(port)],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const line = await firstLine(c);
      rows.push(JSON.parse(line) as ClientFigure);
      c.kill();
      b.kill();
      await once(b, 'exit');
    }
  }
  process.stdout.write('client        connections  heap+ext/conn  rss/conn  connect ms  idle CPU ms/5s\n');
  for (const r of rows)
    process.stdout.write(
      `${r.client.padEnd(14)}${String(r.connections).padStart(11)}${String(r.heapPerConn).padStart(15)}${String(r.rssPerConn).padStart(10)}${String(r.connectMs).padStart(12)}${String(r.idleCpuMs).padStart(16)}\n`,
    );
}

const [role, ...rest] = process.argv.slice(2);
if (role === 'broker') void broker();
else if (role === 'client') void client(rest[0]!, Number(rest[1]), Number(rest[2]));
else void main(role ? [role, ...rest].map(Number) : [2000, 10_000]);
