/** `ota-fleet serve --mqtt-port`, and `spawnOtaServer({ mqttPort })`: the broker's flag, banner and handshake. */
import { createServer } from 'node:net';
import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { runServe, type ServeArgs, serveCommand, serveOptions } from '../../../src/cli/serve.ts';
import { mqttLogin } from '../../../src/ota/mqtt.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../../src/server/child.ts';
import { resolveServerOptions } from '../../../src/server/config.ts';
import { startOtaServer } from '../../../src/server/server.ts';
import { productToken } from './helpers.ts';

function parse(argv: string[]): Promise<ServeArgs> {
  return new Promise((resolve, reject) => {
    void yargs(argv)
      .command({ ...serveCommand, handler: (a) => resolve(a as ServeArgs) })
      .strict()
      .fail((msg, err) => reject(err ?? new Error(msg)))
      .parseAsync();
  });
}

/** Connects with mqtt.js; resolves with the CONNACK return code (0 accepted). */
function connackCode(url: string, pid: string, dev: string, token: string): Promise<number | undefined> {
  const client = mqtt.connect(url, { ...mqttLogin(pid, dev, token), protocolVersion: 4, reconnectPeriod: 0 });
  return new Promise((resolve) => {
    client.once('connect', () => resolve(0));
    client.once('error', (err) => resolve((err as Error & { code?: number }).code));
  }).finally(() => client.end(true)) as Promise<number | undefined>;
}

describe('serve --mqtt-port', () => {
  it('maps --mqtt-port and --mqtt-host to options; the broker is off without the flag', async () => {
    const on = serveOptions(
      await parse(['serve', '--port', '0', '--mqtt-port', '0', '--mqtt-host', '127.0.0.2']),
    );
    expect(on).toMatchObject({ mqttPort: 0, mqttHost: '127.0.0.2' });
    const off = serveOptions(await parse(['serve', '--port', '0']));
    expect(off.mqttPort).toBeUndefined();
    expect(resolveServerOptions(off)).toMatchObject({ mqttPort: undefined, mqttHost: '127.0.0.1' });
    expect(resolveServerOptions({ host: '127.0.0.3', mqttPort: 0 }).mqttHost).toBe('127.0.0.3');
    expect(() => resolveServerOptions({ mqttPort: 70_000 })).toThrow(/mqttPort must be 0..65535/);
  });

  it('says the broker URL in its banner and /api/health; a demo device logs in there', async () => {
    const stop = new AbortController();
    let banner = '';
    let printed!: () => void;
    const shown = new Promise<void>((r) => {
      printed = r;
    });
    const running = runServe(
      { port: 0, mqttPort: 0, seedDemo: true, logLevel: 'silent' },
      stop.signal,
      (text) => {
        banner += text;
        printed();
      },
    );
    await Promise.race([shown, running]);
    const mqttUrl = /^mqtt: (mqtt:\/\/127\.0\.0\.1:\d+) /m.exec(banner)?.[1];
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    const accessKey = /accessKey (\S+)\)/.exec(banner)?.[1];
    expect(mqttUrl).toBeDefined();
    const admin = createAdminClient(url!, /admin token: (\S+)/.exec(banner)?.[1]);
    try {
      expect((await admin.health()).mqtt).toBe(mqttUrl);
      expect(await connackCode(mqttUrl!, 'demo', 'dev-001', productToken('demo', accessKey!))).toBe(0);
      expect(
        await connackCode(mqttUrl!, 'demo', 'dev-001', 'version=2018-10-31&res=x&et=1&method=sha1&sign=x'),
      ).toBe(4);
    } finally {
      await admin.close();
      stop.abort();
      await running;
    }
  });

  it('without --mqtt-port there is no broker: no URL in /api/health', async () => {
    const server = await startOtaServer({ logLevel: 'silent' });
    try {
      expect(server.mqttUrl).toBeUndefined();
      const admin = createAdminClient(server.url, server.adminToken);
      expect((await admin.health()).mqtt).toBeUndefined();
      expect((await admin.stats()).mqtt).toEqual({
        connected: 0,
        connectsRefused: 0,
        aclRefused: 0,
        informsSent: 0,
        repliesOk: 0,
        repliesIgnored: 0,
      });
      await admin.close();
    } finally {
      await server.close();
    }
  });

  it('fails with ERR_EMBEDDED_SERVER when the MQTT port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(startOtaServer({ logLevel: 'silent', mqttPort: port })).rejects.toMatchObject({
        code: 'ERR_EMBEDDED_SERVER',
        message: expect.stringMatching(/MQTT broker could not listen: .*already in use/),
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('spawnOtaServer({ mqttPort: 0 }) hands back mqttUrl from the child handshake', async () => {
    const child = await spawnOtaServer({ mqttPort: 0, logLevel: 'silent' });
    try {
      expect(child.mqttUrl).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      const admin = createAdminClient(child.url, child.adminToken);
      expect((await admin.health()).mqtt).toBe(child.mqttUrl);
      await admin.close();
    } finally {
      expect(await child.stop()).toBe(0);
    }
  });
});
