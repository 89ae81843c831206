import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import { TOKEN_METHODS } from '../../../src/ota/token.ts';
import { readTokenVectors } from '../../helpers/vectors.ts';
import {
  ACCESS_KEY,
  deviceClient,
  deviceToken,
  PID,
  productToken,
  startTestServer,
  type TestServer,
} from './helpers.ts';

const { vectors } = readTokenVectors();
const official = vectors[0]!;

describe('tokens against a running server', () => {
  let t: TestServer;
  let deviceKey: string;

  beforeAll(async () => {
    t = await startTestServer();
    deviceKey = (await t.admin.createDevice(PID, { name: 'dev', fVersion: 'V1' })).devices[0]!.key;
    // The spec's official product and device, keyed so that the vector's signature verifies.
    await t.admin.createProduct({ id: '238322', accessKey: Buffer.alloc(32, 1).toString('base64') });
    await t.admin.createDevice('238322', { name: 'mqtts-test-device', key: official.key });
  });
  afterAll(() => t.close());

  for (const v of vectors) {
    it(`verifies the ${v.method} vector's signature, then refuses it as expired (12); tampered → 1`, async () => {
      const d = deviceClient(t.url, '238322', 'mqtts-test-device', v.authorization);
      expect((await d.queryVersion()).env.errno).toBe(Errno.TOKEN_EXPIRED);
      const tampered = v.authorization.replace(/sign=[^&]+/, (s) => `${s.slice(0, -4)}AAAA`);
      expect(
        (await deviceClient(t.url, '238322', 'mqtts-test-device', tampered).queryVersion()).env.errno,
      ).toBe(Errno.AUTH_FAILED);
    });
  }

  for (const method of TOKEN_METHODS) {
    it(`accepts ${method} tokens at product and device level`, async () => {
      const p = deviceClient(t.url, PID, 'dev', productToken(PID, ACCESS_KEY, { method }));
      const dv = deviceClient(t.url, PID, 'dev', deviceToken(PID, 'dev', deviceKey, { method }));
      expect((await p.queryVersion()).env.errno).toBe(0);
      expect((await dv.queryVersion()).env.errno).toBe(0);
      // twice: the second answer comes from the verified-token cache and must agree
      expect((await dv.queryVersion()).env.errno).toBe(0);
    });
  }

  it('refuses a changed et (1), a token of another device (4), a device token signed with the product key (1)', async () => {
    const good = deviceToken(PID, 'dev', deviceKey);
    const laterEt = good.replace(/et=(\d+)/, (_m, et: string) => `et=${Number(et) + 100}`);
    expect((await deviceClient(t.url, PID, 'dev', laterEt).queryVersion()).env.errno).toBe(Errno.AUTH_FAILED);
    await t.admin.createDevice(PID, { name: 'other' });
    expect((await deviceClient(t.url, PID, 'other', good).queryVersion()).env.errno).toBe(
      Errno.TOKEN_DEVICE_MISMATCH,
    );
    const wrongKey = deviceToken(PID, 'dev', ACCESS_KEY);
    expect((await deviceClient(t.url, PID, 'dev', wrongKey).queryVersion()).env.errno).toBe(
      Errno.AUTH_FAILED,
    );
  });

  it('refuses a cached token once its et has passed (12)', async () => {
    // at least a whole second ahead (floor + 1 could be 1 ms ahead and expire before the first call)
    const et = Math.ceil(Date.now() / 1000) + 1;
    const auth = productToken(PID, ACCESS_KEY, { et });
    const d = deviceClient(t.url, PID, 'dev', auth);
    expect((await d.queryVersion()).env.errno).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, et * 1000 - Date.now()) + 50));
    expect((await d.queryVersion()).env.errno).toBe(Errno.TOKEN_EXPIRED);
  });
});
