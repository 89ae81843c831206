import { describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import {
  buildAuthorization,
  deviceRes,
  parseAuthorization,
  productRes,
  verifyToken,
} from '../../../src/ota/token.ts';
import { readTokenVectors } from '../../helpers/vectors.ts';

const { vectors } = readTokenVectors();
const KEY = vectors[0]!.key;

describe('token vectors', () => {
  for (const v of vectors) {
    it(`builds the ${v.method} vector exactly`, () => {
      expect(
        buildAuthorization({ key: v.key, res: v.res, et: v.et, method: v.method, version: v.version }),
      ).toBe(v.authorization);
    });
    it(`parses and verifies the ${v.method} vector before its expiry`, () => {
      const t = parseAuthorization(v.authorization);
      expect(t).toMatchObject({ res: v.res, et: v.et, method: v.method, sign: v.sign, proId: '238322' });
      expect(
        verifyToken(
          t!,
          { productKey: 'unused', deviceKey: v.key },
          { proId: '238322', devName: 'mqtts-test-device', now: v.et - 1 },
        ),
      ).toBe(Errno.OK);
    });
  }
});

describe('verifyToken', () => {
  const now = 1_700_000_000;
  const ctx = { proId: 'p1', devName: 'd1', now };
  const keys = { productKey: KEY, deviceKey: Buffer.from('device-key-123456').toString('base64') };

  it('accepts a product-level token signed with the product key, for any device of the product', () => {
    const h = buildAuthorization({ key: KEY, res: productRes('p1'), et: now + 60, method: 'sha256' });
    expect(verifyToken(parseAuthorization(h)!, keys, ctx)).toBe(Errno.OK);
    expect(verifyToken(parseAuthorization(h)!, keys, { ...ctx, devName: 'other' })).toBe(Errno.OK);
  });
  it('accepts a device-level token only with the device key', () => {
    const good = buildAuthorization({
      key: keys.deviceKey,
      res: deviceRes('p1', 'd1'),
      et: now + 60,
      method: 'sha1',
    });
    const wrongKey = buildAuthorization({
      key: KEY,
      res: deviceRes('p1', 'd1'),
      et: now + 60,
      method: 'sha1',
    });
    expect(verifyToken(parseAuthorization(good)!, keys, ctx)).toBe(Errno.OK);
    expect(verifyToken(parseAuthorization(wrongKey)!, keys, ctx)).toBe(Errno.AUTH_FAILED);
  });
  it('rejects an expired token with errno 12', () => {
    const h = buildAuthorization({ key: KEY, res: productRes('p1'), et: now - 1, method: 'md5' });
    expect(verifyToken(parseAuthorization(h)!, keys, ctx)).toBe(Errno.TOKEN_EXPIRED);
  });
  it('rejects a token for another product or device with errno 4', () => {
    const other = buildAuthorization({ key: KEY, res: productRes('p2'), et: now + 60, method: 'md5' });
    const otherDev = buildAuthorization({
      key: keys.deviceKey,
      res: deviceRes('p1', 'd2'),
      et: now + 60,
      method: 'md5',
    });
    expect(verifyToken(parseAuthorization(other)!, keys, ctx)).toBe(Errno.TOKEN_DEVICE_MISMATCH);
    expect(verifyToken(parseAuthorization(otherDev)!, keys, ctx)).toBe(Errno.TOKEN_DEVICE_MISMATCH);
  });
  it('rejects a tampered expiry or signature with errno 1', () => {
    const h = buildAuthorization({ key: KEY, res: productRes('p1'), et: now + 60, method: 'md5' });
    const laterEt = h.replace(`et=${now + 60}`, `et=${now + 6000}`);
    expect(verifyToken(parseAuthorization(laterEt)!, keys, ctx)).toBe(Errno.AUTH_FAILED);
    const t = parseAuthorization(h)!;
    expect(verifyToken({ ...t, sign: `A${t.sign.slice(1)}` }, keys, ctx)).toBe(Errno.AUTH_FAILED);
  });
  it('does not parse malformed values', () => {
    for (const bad of [
      '',
      'garbage',
      'version=2018-10-31&res=products%2Fp1&et=abc&method=md5&sign=x',
      'version=2018-10-31&res=products%2Fp1&et=1&method=sha512&sign=x',
      'version=2018-10-31&res=devices%2Fx&et=1&method=md5&sign=x',
      'res=%E0%A4%A',
    ]) {
      expect(parseAuthorization(bad)).toBeUndefined();
    }
  });
});
