/**
 * Holds every kind of device reply to what the official C SDK can read (spec §6), over a raw socket:
 * at most 10 header lines, canonical header-name case, `HTTP/1.1 ` status line, Content-Length and no
 * chunking, JSON replies ≤ 512 bytes in all, download heads ≤ 512 bytes. Both connection habits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PACKAGE_BYTES } from '../../../src/ota/codes.ts';
import { deviceToken, PID, productToken, startTestServer, type TestServer } from './helpers.ts';
import { expectReadable, RawConnection } from './raw-connection.ts';

describe.each(['studio', 'fuse'] as const)('replies a C SDK can read (%s)', (dialect) => {
  let t: TestServer;
  let port: number;
  let tid: number;
  let deviceKey: string;
  const dev = 'device-with-a-rather-long-name-0001';

  beforeAll(async () => {
    t = await startTestServer({ dialect });
    port = t.server.port;
    deviceKey = (
      await t.admin.createDevice(PID, {
        name: dev,
        fVersion: 'V1.0.0-abcdefghijk',
        sVersion: 'V1.0.0-abcdefghijk',
      })
    ).devices[0]!.key;
    const pkg = await t.admin.createPackage(PID, {
      name: 'firmware(full)-2024',
      module: 'fota',
      targetVersion: 'V9.9.9-zyxwvutsrqpo',
      synthetic: { size: MAX_PACKAGE_BYTES },
      fileName: 'a-rather-long-firmware-file-name-for-the-header-test-0123456789.bin',
    });
    await t.admin.verifyPackage(pkg.id, { skip: true });
    const batch = await t.admin.createBatch(pkg.id, { fromVersion: 'V1.0.0-abcdefghijk' });
    tid = (await t.admin.listTasks(batch.id)).tasks[0]!.tid;
  });
  afterAll(() => t.close());

  // The AIO SDK habit: a new connection per request, capitalised names, no Connection header, sha1
  // device token with a far et.
  const aio = (method: string, path: string, extra = '', body = '') => {
    const auth = deviceToken(PID, dev, deviceKey, { method: 'sha1', et: 2524579200 });
    const len = body ? `Content-Length: ${body.length}\r\n` : '';
    return `${method} ${path} HTTP/1.1\r\nHost: studio-ota.heclouds.com\r\nAuthorization: ${auth}\r\n${extra}${len}\r\n${body}`;
  };
  const base = () => `/ota/${PID}/${dev}`;

  it('JSON success (the longest: a check with a task), JSON error and 404 fit', async () => {
    const kinds = [
      aio('GET', `${base()}/check?type=1&version=V1.0.0-abcdefghijk`),
      aio('GET', `${base()}/version`),
      aio(
        'POST',
        `${base()}/version`,
        '',
        '{"f_version":"V1.0.0-abcdefghijk","s_version":"V1.0.0-abcdefghijk"}',
      ),
      aio('GET', `${base()}/${tid}/check`),
      aio('POST', `${base()}/${tid}/status`, '', '{"step":7}'),
      aio('GET', `${base()}/check?type=7&version=V1`),
      aio('POST', `${base()}/version`, '', '{nope'),
      aio('GET', '/no/such/route'),
    ];
    for (const req of kinds) {
      const c = new RawConnection(port);
      const r = await c.send(req);
      c.close();
      expectReadable(r, 'json');
      expect(r.body.length).toBeGreaterThan(0);
    }
    const c = new RawConnection(port);
    const check = await c.send(kinds[0]!);
    c.close();
    expect(JSON.parse(check.body.toString())).toMatchObject({ data: { tid, size: MAX_PACKAGE_BYTES } });
  });

  it('download 200, 206 (bare range past the end, trailing slash) and download errors fit', async () => {
    const c = new RawConnection(port);
    const whole = await c.send(aio('GET', `${base()}/${tid}/download`), false);
    c.close();
    expect(whole.statusLine).toBe('HTTP/1.1 200 OK');
    expectReadable(whole, 'download');
    const c2 = new RawConnection(port);
    const part = await c2.send(
      aio(
        'GET',
        `${base()}/${tid}/download/`,
        `Range: ${MAX_PACKAGE_BYTES - 10}-${MAX_PACKAGE_BYTES + 500}\r\n`,
      ),
    );
    c2.close();
    expect(part.statusLine).toBe('HTTP/1.1 206 Partial Content');
    expect(part.headerLines).toContain(
      `Content-Range: bytes ${MAX_PACKAGE_BYTES - 10}-${MAX_PACKAGE_BYTES - 1}/${MAX_PACKAGE_BYTES}`,
    );
    expect(part.body.length).toBe(10);
    expectReadable(part, 'download');
    for (const path of [`${base()}/999999/download`, `/ota/${PID}/nobody/${tid}/download`]) {
      const ce = new RawConnection(port);
      const err = await ce.send(aio('GET', path));
      ce.close();
      expectReadable(err, 'json');
      expect(err.headerLines).toContain('Content-Length: 0');
      expect(err.headerLines.some((l) => /^Ota-Errno: [1-6]$/.test(l))).toBe(true);
    }
  });

  it('serves the other habit: one kept-alive connection, lower-case authorization', async () => {
    const c = new RawConnection(port);
    const auth = productToken();
    const req = (path: string, extra = '') =>
      `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${auth}\r\nconnection: keep-alive\r\n${extra}\r\n`;
    for (let i = 0; i < 5; i++) {
      const r = await c.send(req(`${base()}/check?type=1&version=V1.0.0-abcdefghijk`));
      expectReadable(r, 'json');
      expect(JSON.parse(r.body.toString())).toMatchObject(dialect === 'studio' ? { errno: 0 } : { code: 0 });
      const d = await c.send(req(`${base()}/${tid}/download`, `range: bytes=${i * 100}-${i * 100 + 99}\r\n`));
      expectReadable(d, 'download');
      expect(d.body.length).toBe(100);
    }
    expect(c.closed).toBe(false);
    c.close();
  });
});
