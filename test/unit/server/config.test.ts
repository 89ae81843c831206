import { describe, expect, it } from 'vitest';
import { isLoopbackHost, resolveServerOptions } from '../../../src/server/config.ts';

describe('resolveServerOptions', () => {
  it('fills the documented defaults', () => {
    expect(resolveServerOptions()).toMatchObject({
      host: '127.0.0.1',
      port: 0,
      dataFile: ':memory:',
      dialect: 'studio',
      noTaskErrno: 11,
      cancelledStatus: 6,
      downloadingOn: 'either',
      seedDemo: false,
      faults: {},
      requireAdminToken: false,
    });
  });
  it('requires the admin token beyond loopback, whatever the option says', () => {
    expect(resolveServerOptions({ host: '0.0.0.0', requireAdminToken: false }).requireAdminToken).toBe(true);
    expect(resolveServerOptions({ requireAdminToken: true }).requireAdminToken).toBe(true);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('192.168.1.2')).toBe(false);
  });
  it('accepts only loopback Host values on a loopback bind, any beyond it; CORS for one origin only if asked', () => {
    expect(resolveServerOptions()).toMatchObject({ loopbackOnly: true, corsOrigin: undefined });
    expect(resolveServerOptions({ host: 'localhost' }).loopbackOnly).toBe(true);
    expect(resolveServerOptions({ host: '0.0.0.0' }).loopbackOnly).toBe(false);
    expect(resolveServerOptions({ host: '192.168.1.2' }).loopbackOnly).toBe(false);
    expect(resolveServerOptions({ corsOrigin: 'HTTP://LocalHost:5173/' }).corsOrigin).toBe(
      'http://localhost:5173',
    );
  });
  it('throws ERR_USAGE naming the bad option', () => {
    const bad: [object, RegExp][] = [
      [{ port: 70000 }, /port/],
      [{ dialect: 'soap' }, /dialect/],
      [{ noTaskErrno: 12 }, /noTaskErrno/],
      [{ cancelledStatus: 4 }, /cancelledStatus/],
      [{ downloadingOn: 'never' }, /downloadingOn/],
      [{ adminToken: 'short' }, /adminToken/],
      [{ faults: { check: { errorRate: 3 } } }, /faults: check.errorRate/],
      [{ tickMs: 0 }, /tickMs/],
      [{ corsOrigin: 'evil.example' }, /corsOrigin/],
      [{ corsOrigin: 'http://localhost:5173/app' }, /corsOrigin/],
    ];
    for (const [options, message] of bad) {
      expect(() => resolveServerOptions(options as never)).toThrow(message);
      try {
        resolveServerOptions(options as never);
      } catch (err) {
        expect((err as { code: string }).code).toBe('ERR_USAGE');
      }
    }
  });
});
