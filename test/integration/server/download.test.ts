import { createHash } from 'node:crypto';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContentRange } from '../../../src/ota/range.ts';
import { syntheticPackageBytes } from '../../../src/server/store/content.ts';
import { readRangeVectors } from '../../helpers/vectors.ts';
import {
  ACCESS_KEY,
  deviceClient,
  PID,
  productToken,
  seedFleet,
  startTestServer,
  type TestServer,
} from './helpers.ts';

const vectors = readRangeVectors();
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

describe('download (call 3)', () => {
  let t: TestServer;
  let tid: number;
  let whole: Buffer;

  beforeAll(async () => {
    t = await startTestServer();
    const pkgId = await seedFleet(t, { count: 2, size: vectors.length });
    await t.admin.createBatch(pkgId, { fromVersion: 'V1.0', devices: ['d1'] });
    tid = ((await deviceClient(t.url, PID, 'd1').check(1, 'V1.0')).env.data as { tid: number }).tid;
    whole = syntheticPackageBytes(vectors.length, 42);
  });
  afterAll(() => t.close());

  it(`serves a ${vectors.length}-byte package`, async () => {
    const r = await deviceClient(t.url, PID, 'd1').download(tid);
    expect(r.status).toBe(200);
    expect(r.body.equals(whole)).toBe(true);
    expect(r.headers).toMatchObject({
      'content-length': String(vectors.length),
      'content-disposition': 'attachment; filename="fw.bin"',
      'content-range-start': '0',
      'content-range-end': String(vectors.length - 1),
      'ota-errno': '0',
    });
    expect(r.headers['content-range']).toBeUndefined();
    expect(md5(r.body)).toBe((await t.admin.getPackage(1)).md5);
  });

  for (const c of vectors.cases) {
    it(`Range ${JSON.stringify(c.range)} → ${c.status} ${c.start}-${c.end}`, async () => {
      const r = await deviceClient(t.url, PID, 'd1').download(tid, c.range ?? undefined);
      expect(r.status).toBe(c.status);
      expect(r.otaErrno).toBe(0);
      expect(r.body.equals(whole.subarray(c.start, c.end + 1))).toBe(true);
      expect(r.headers['content-length']).toBe(String(c.end - c.start + 1));
      expect(r.headers['content-range-start']).toBe(String(c.start));
      expect(r.headers['content-range-end']).toBe(String(c.end));
      if (c.status === 206) {
        expect(parseContentRange(r.headers['content-range'] as string)).toEqual({
          start: c.start,
          end: c.end,
          total: vectors.length,
        });
      } else {
        expect(r.headers['content-range']).toBeUndefined();
      }
    });
  }

  it('resumes in chunks (bare ranges past the end, as the AIO SDK asks) to the exact bytes and md5', async () => {
    const d = deviceClient(t.url, PID, 'd1');
    const parts: Buffer[] = [];
    for (let offset = 0; offset < vectors.length; offset += 256) {
      const r = await d.download(tid, `${offset}-${offset + 255}`);
      expect(r.status).toBe(206);
      parts.push(r.body);
    }
    const got = Buffer.concat(parts);
    expect(got.length).toBe(vectors.length);
    expect(md5(got)).toBe(md5(whole));
  });

  it('accepts /download/ with a trailing slash', async () => {
    const r = await request(`${t.url}/ota/${PID}/d1/${tid}/download/`, {
      headers: { Authorization: productToken(), Range: '0-1' },
    });
    expect(r.statusCode).toBe(206);
    expect(Buffer.from(await r.body.arrayBuffer()).equals(whole.subarray(0, 2))).toBe(true);
  });

  it('answers errors with Ota-Errno and Content-Length 0: 6 auth, 1 no device, 2 unknown or foreign tid', async () => {
    const cases: [() => ReturnType<ReturnType<typeof deviceClient>['download']>, number][] = [
      [() => deviceClient(t.url, PID, 'd1', 'bad').download(tid), 6],
      [() => deviceClient(t.url, PID, 'd1', null).download(tid), 6],
      [() => deviceClient(t.url, PID, 'd1', productToken(PID, ACCESS_KEY, { et: 1 })).download(tid), 6],
      [() => deviceClient(t.url, PID, 'ghost').download(tid), 1],
      [() => deviceClient(t.url, PID, 'd1').download(999_999), 2],
      [() => deviceClient(t.url, PID, 'd1').download('x'), 2],
      [() => deviceClient(t.url, PID, 'd2').download(tid), 2],
    ];
    for (const [run, errno] of cases) {
      const r = await run();
      expect(r.otaErrno).toBe(errno);
      expect(r.headers['content-length']).toBe('0');
      expect(r.body.length).toBe(0);
    }
  });

  it('serves uploaded packages byte for byte (JSON base64 and raw upload)', async () => {
    const bytes = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const viaJson = await t.admin.createPackage(PID, {
      name: 'b64',
      module: 'sota',
      targetVersion: 'S2',
      contentBase64: bytes.toString('base64'),
      fileName: 'mcu.zip',
    });
    const viaUpload = await t.admin.uploadPackage(
      PID,
      { name: 'raw(1)', module: 'sota', targetVersion: 'S3', fileName: 'mcu-3.rar' },
      bytes,
    );
    for (const pkg of [viaJson, viaUpload]) {
      expect(pkg).toMatchObject({ size: 3000, md5: md5(bytes), module: 'sota', synthetic: false });
      await t.admin.verifyPackage(pkg.id, { skip: true });
      await t.admin.createDevice(PID, { name: `u${pkg.id}`, sVersion: 'S1' });
      await t.admin.createBatch(pkg.id, { fromVersion: 'S1', devices: [`u${pkg.id}`] });
      const d = deviceClient(t.url, PID, `u${pkg.id}`);
      const task = (await d.check(2, 'S1')).env.data as { tid: number };
      const r = await d.download(task.tid);
      expect(r.body.equals(bytes)).toBe(true);
      expect(r.headers['content-disposition']).toBe(`attachment; filename="${pkg.fileName}"`);
    }
  });
});
