import { createServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import yargs from 'yargs';
import {
  createServeLogger,
  renderServeBanner,
  resolveLogFormat,
  runServe,
  type ServeArgs,
  serveCommand,
  serveOptions,
} from '../../../src/cli/serve.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';
import { resolveServerOptions } from '../../../src/server/config.ts';

function parse(argv: string[]): Promise<ServeArgs> {
  return new Promise((resolve, reject) => {
    void yargs(argv)
      .command({ ...serveCommand, handler: (a) => resolve(a as ServeArgs) })
      .strict()
      .fail((msg, err) => reject(err ?? new Error(msg)))
      .parseAsync();
  });
}

describe('ota-fleet serve', () => {
  it('maps its flags to server options (including --no-task-errno 10 and repeated --fault)', async () => {
    const args = await parse([
      'serve',
      '--port',
      '0',
      '--dialect',
      'fuse',
      '--no-task-errno',
      '10',
      '--cancelled-status',
      '5',
      '--downloading-on',
      'progress',
      '--no-seed-demo',
      '--fault',
      'check.latencyMs=5',
      '--fault',
      '*.resetRate=0.1',
      '--fault',
      'download.stallMs=never',
    ]);
    expect(serveOptions(args)).toEqual({
      port: 0,
      host: '127.0.0.1',
      dialect: 'fuse',
      noTaskErrno: 10,
      cancelledStatus: 5,
      downloadingOn: 'progress',
      seedDemo: false,
      faults: { check: { latencyMs: 5 }, '*': { resetRate: 0.1 }, download: { stallMs: 'never' } },
      logLevel: 'info',
      demoBandwidth: 2048,
    });
    const defaults = serveOptions(await parse(['serve']));
    expect(defaults).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      seedDemo: true,
      noTaskErrno: 11,
      cancelledStatus: 6,
    });
    await expect(parse(['serve', '--no-task-errno', '12'])).rejects.toThrow();
    const demo = await parse(['serve', '--demo-bandwidth', '0', '--reset-demo', '--log-format', 'json']);
    expect(serveOptions(demo)).toMatchObject({ demoBandwidth: 0, resetDemo: true });
    expect(demo['log-format']).toBe('json');
    expect((await parse(['serve']))['log-format']).toBe('auto');
    expect(serveOptions(await parse(['serve', '--cors-origin', 'http://localhost:5173'])).corsOrigin).toBe(
      'http://localhost:5173',
    );
    await expect(parse(['serve', '--log-format', 'xml'])).rejects.toThrow();
    expect(() => serveOptions({ ...defaults, fault: ['check.latency=5'] } as never)).toThrow(/check.latency/);
  });

  it('prints the URL and admin token, serves the demo data, and closes when signalled', async () => {
    const stop = new AbortController();
    let banner = '';
    const running = runServe({ port: 0, seedDemo: true, logLevel: 'silent' }, stop.signal, (text) => {
      banner += text;
    });
    for (let i = 0; i < 1000 && !banner; i++) await new Promise((r) => setTimeout(r, 20)); // 20 s safety net
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    const token = /admin token: (\S+)/.exec(banner)?.[1];
    expect(url).toBeDefined();
    expect(banner).toMatch(/demo: product demo \(accessKey [A-Za-z0-9+/=]+\), 100 devices/);
    const admin = createAdminClient(url!, token);
    expect((await admin.getProduct('demo')).devices).toBe(100);
    expect((await admin.listPackages('demo'))[0]).toMatchObject({ size: 256 * 1024, verified: true });
    await admin.close();
    stop.abort();
    await running;
    await expect(createAdminClient(url!, token).health()).rejects.toMatchObject({ status: 0 });
  });

  it('fails to start on a port in use with ERR_EMBEDDED_SERVER', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(runServe({ port, logLevel: 'silent' }, AbortSignal.abort())).rejects.toMatchObject({
        code: 'ERR_EMBEDDED_SERVER',
        message: expect.stringContaining('already in use'),
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('says where a wildcard bind really listens (--host 0.0.0.0), and how to reach it here', () => {
    const banner = (host: string, url: string) =>
      renderServeBanner({
        host,
        port: 8080,
        url,
        adminToken: 't',
        options: resolveServerOptions({ host }),
        demo: undefined,
      });
    expect(banner('0.0.0.0', 'http://127.0.0.1:8080')).toMatch(
      /^ota-fleet reference OTA server listening on http:\/\/0\.0\.0\.0:8080 \(every IPv4 interface; from this machine http:\/\/127\.0\.0\.1:8080\)/,
    );
    expect(banner('::', 'http://[::1]:8080')).toMatch(
      /listening on http:\/\/\[::\]:8080 \(every interface; from this machine http:\/\/\[::1\]:8080\)/,
    );
    expect(banner('127.0.0.1', 'http://127.0.0.1:8080')).toMatch(
      /listening on http:\/\/127\.0\.0\.1:8080 \(studio dialect\)/,
    );
    expect(banner('192.168.1.5', 'http://192.168.1.5:8080')).toMatch(
      /listening on http:\/\/192\.168\.1\.5:8080 \(/,
    );
  });

  it('logs pretty lines on a terminal and NDJSON when stdout or stderr is not one, or with --log-format json', () => {
    expect(resolveLogFormat('auto', { stdout: true, stderr: true })).toBe('pretty');
    expect(resolveLogFormat('auto', { stdout: false, stderr: true })).toBe('json');
    expect(resolveLogFormat('auto', { stdout: true, stderr: false })).toBe('json');
    expect(resolveLogFormat('json', { stdout: true, stderr: true })).toBe('json');
    expect(resolveLogFormat('pretty', { stdout: false, stderr: false })).toBe('pretty');
    const capture = (format: 'pretty' | 'json') => {
      const out = new PassThrough();
      let text = '';
      out.on('data', (d: Buffer) => {
        text += d.toString();
      });
      createServeLogger(format, 'info', out)
        .child({ module: 'ota-server' })
        .info({ port: 8080 }, 'reference OTA server listening');
      return text;
    };
    const json = JSON.parse(capture('json').trim()) as Record<string, unknown>;
    expect(json).toMatchObject({
      level: 30,
      module: 'ota-server',
      port: 8080,
      msg: 'reference OTA server listening',
    });
    const pretty = capture('pretty');
    expect(pretty).toMatch(/INFO.*reference OTA server listening/);
    expect(pretty).toContain('"port":8080');
    expect(() => JSON.parse(pretty)).toThrow();
  });
});
