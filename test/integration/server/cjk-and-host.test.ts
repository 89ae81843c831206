/**
 * Issue 7 §3.1: packages with CJK names download, whole and by Range, to the exact bytes, with a
 * Content-Disposition of an ASCII fallback plus RFC 5987 `filename*`, within spec §6's limits; and an
 * HTTP/1.1 request without `Host` gets the protocol's reply (an envelope), not Node's chunked 400.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_PACKAGE_BYTES } from '../../../src/ota/codes.ts';
import { syntheticPackageBytes } from '../../../src/server/store/content.ts';
import { deviceClient, PID, productToken, startTestServer, type TestServer } from './helpers.ts';
import { expectReadable, RawConnection, type RawReply } from './raw-connection.ts';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

const DISPOSITION =
  /^Content-Disposition: attachment; filename="([\x20-\x7e]+)"; filename\*=UTF-8''([A-Za-z0-9!#$&+.^_`|~%-]+)$/;

/** The file name a client that reads RFC 5987 sees, and the ASCII fallback. */
function dispositionOf(r: RawReply): { fallback: string; name: string } {
  const line = r.headerLines.find((l) => l.startsWith('Content-Disposition: '));
  const m = DISPOSITION.exec(line ?? '');
  if (!m) throw new Error(`no RFC 5987 Content-Disposition in ${JSON.stringify(line)}`);
  return { fallback: m[1]!, name: decodeURIComponent(m[2]!) };
}

describe('CJK package names and requests without Host', () => {
  let t: TestServer;
  // dev → [tid, size, seed, file name]
  const tasks = new Map<string, { tid: number; size: number; seed: number; fileName: string }>();
  const longName = `${'固'.repeat(41)}.bin`; // 127 UTF-8 bytes: the longest file name allowed

  beforeAll(async () => {
    t = await startTestServer();
    const cases = [
      { dev: 'c1', name: '固件升级包', fileName: undefined, size: 5000, seed: 3 },
      { dev: 'c2', name: '固件(全量)-v2', fileName: '固件_全量.bin', size: 4096, seed: 4 },
      { dev: 'c3', name: '长名字', fileName: longName, size: MAX_PACKAGE_BYTES, seed: 5 },
    ];
    for (const [i, c] of cases.entries()) {
      const from = `V1.${i}`;
      await t.admin.createDevice(PID, { name: c.dev, fVersion: from });
      const pkg = await t.admin.createPackage(PID, {
        name: c.name,
        module: 'fota',
        targetVersion: 'V9',
        synthetic: { size: c.size, seed: c.seed },
        ...(c.fileName ? { fileName: c.fileName } : {}),
      });
      await t.admin.verifyPackage(pkg.id, { skip: true });
      await t.admin.createBatch(pkg.id, { fromVersion: from, devices: [c.dev] });
      const check = await deviceClient(t.url, PID, c.dev).check(1, from);
      const tid = (check.env.data as { tid: number }).tid;
      tasks.set(c.dev, { tid, size: c.size, seed: c.seed, fileName: pkg.fileName });
    }
  });
  afterAll(() => t.close());

  const get = (dev: string, tid: number, extra = '') =>
    `GET /ota/${PID}/${dev}/${tid}/download HTTP/1.1\r\nHost: studio-ota.heclouds.com\r\nAuthorization: ${productToken()}\r\n${extra}\r\n`;

  it('downloads a CJK-named package whole: 200, Ota-Errno 0, exact bytes, both file-name forms', async () => {
    const task = tasks.get('c1')!;
    expect(task.fileName).toBe('固件升级包.bin');
    const c = new RawConnection(t.server.port);
    const r = await c.send(get('c1', task.tid));
    c.close();
    expect(r.statusLine).toBe('HTTP/1.1 200 OK');
    expect(r.headerLines).toContain('Ota-Errno: 0');
    expectReadable(r, 'download');
    expect(md5(r.body)).toBe(md5(syntheticPackageBytes(task.size, task.seed)));
    expect(dispositionOf(r)).toEqual({ fallback: '_.bin', name: '固件升级包.bin' });
  });

  it('downloads a CJK-named package by Range: 206 Partial Content and the exact slice', async () => {
    const task = tasks.get('c2')!;
    const c = new RawConnection(t.server.port);
    const r = await c.send(get('c2', task.tid, 'Range: bytes=1000-2999\r\n'));
    c.close();
    expect(r.statusLine).toBe('HTTP/1.1 206 Partial Content');
    expect(r.headerLines).toContain(`Content-Range: bytes 1000-2999/${task.size}`);
    expectReadable(r, 'download');
    expect(r.body.equals(syntheticPackageBytes(task.size, task.seed).subarray(1000, 3000))).toBe(true);
    expect(dispositionOf(r)).toEqual({
      fallback: '___.bin',
      name: '固件_全量.bin',
    });
  });

  it('keeps the longest CJK file name of a 30 MB package within the 512-byte head, by Range', async () => {
    const task = tasks.get('c3')!;
    expect(task.fileName).toBe(longName);
    const c = new RawConnection(t.server.port);
    const r = await c.send(
      get('c3', task.tid, `Range: ${MAX_PACKAGE_BYTES - 10}-${MAX_PACKAGE_BYTES + 99}\r\n`),
    );
    c.close();
    expect(r.statusLine).toBe('HTTP/1.1 206 Partial Content');
    expectReadable(r, 'download');
    expect(r.body.equals(syntheticPackageBytes(task.size, task.seed).subarray(MAX_PACKAGE_BYTES - 10))).toBe(
      true,
    );
    const { name } = dispositionOf(r);
    expect(name.endsWith('.bin')).toBe(true);
    expect(longName.startsWith(name.slice(0, -4))).toBe(true);
    expect(name.length).toBeGreaterThan(10);
  });

  it('a client reading RFC 5987 (undici) gets the same bytes and name', async () => {
    const task = tasks.get('c1')!;
    const r = await deviceClient(t.url, PID, 'c1').download(task.tid, 'bytes=0-99');
    expect(r.status).toBe(206);
    expect(r.otaErrno).toBe(0);
    expect(r.body.equals(syntheticPackageBytes(task.size, task.seed).subarray(0, 100))).toBe(true);
    const value = String(r.headers['content-disposition']);
    expect(decodeURIComponent(value.slice(value.indexOf("UTF-8''") + 7))).toBe('固件升级包.bin');
  });

  it.each([
    ['a device call', `GET /ota/${PID}/c1/version HTTP/1.1\r\nAuthorization: ${productToken()}\r\n\r\n`],
    ['an unknown path', 'GET /nowhere HTTP/1.1\r\n\r\n'],
  ])('answers an HTTP/1.1 request without Host (%s) with an envelope within §6', async (_, text) => {
    const c = new RawConnection(t.server.port);
    const r = await c.send(text);
    c.close();
    expect(r.statusLine).toBe('HTTP/1.1 400 Bad Request');
    expectReadable(r, 'json');
    expect(JSON.parse(r.body.toString())).toMatchObject({ errno: 2 });
    expect((await deviceClient(t.url, PID, 'c1').queryVersion()).env.errno).toBe(0);
  });
});
