import { describe, expect, it } from 'vitest';
import { classifyStep } from '../../../src/ota/codes.ts';
import { encodeEnvelope, parseEnvelope } from '../../../src/ota/envelope.ts';
import { devicePath, matchOtaRoute, otaPaths } from '../../../src/ota/routes.ts';
import { isValidPackageFileName, isValidPackageName, isValidVersion } from '../../../src/ota/rules.ts';

describe('matchOtaRoute', () => {
  const base = devicePath('p1', 'dev-1');
  it('matches each of the six calls built by otaPaths', () => {
    const cases: [string, string, string][] = [
      ['POST', otaPaths.reportVersion(base), 'report-version'],
      ['GET', otaPaths.queryVersion(base), 'query-version'],
      ['GET', otaPaths.check(base, 1, 'V1').split('?')[0]!, 'check'],
      ['GET', otaPaths.download(base, '42'), 'download'],
      ['POST', otaPaths.reportStatus(base, '42'), 'report-status'],
      ['GET', otaPaths.taskState(base, '42'), 'task-state'],
    ];
    for (const [m, p, call] of cases) {
      const r = matchOtaRoute(m, p);
      expect(r.ok && r.route.call, `${m} ${p}`).toBe(call);
    }
  });
  it('tolerates a double slash, the /download/ trailing slash and the fuse-ota prefix', () => {
    expect(matchOtaRoute('GET', '//ota/p1/dev-1/version')).toEqual({
      ok: true,
      route: { call: 'query-version', proId: 'p1', devName: 'dev-1' },
    });
    expect(matchOtaRoute('GET', '/ota/p1/dev-1/7/download/')).toEqual({
      ok: true,
      route: { call: 'download', proId: 'p1', devName: 'dev-1', tid: '7' },
    });
    expect(matchOtaRoute('GET', '/fuse-ota/p1/dev-1/check')).toMatchObject({
      ok: true,
      route: { call: 'check' },
    });
  });
  it('refuses path tricks and unknown routes', () => {
    expect(matchOtaRoute('GET', '/ota/p1/%2e%2e/version').ok).toBe(false);
    expect(matchOtaRoute('GET', '/ota/p1/a%2Fb/version').ok).toBe(false);
    expect(matchOtaRoute('GET', '/ota/p1/d/x/y/z').ok).toBe(false);
    expect(matchOtaRoute('GET', '/etc/passwd').ok).toBe(false);
    expect(matchOtaRoute('DELETE', '/ota/p1/d/1/status')).toEqual({ ok: false, reason: 'method' });
  });
});

describe('envelopes', () => {
  it('round-trips both dialects', () => {
    const s = parseEnvelope(encodeEnvelope('studio', 0, { status: 2 }));
    expect(s).toEqual({ ok: true, envelope: { errno: 0, message: 'succ', data: { status: 2 } } });
    const f = parseEnvelope(encodeEnvelope('fuse', 11, undefined, 'ab'.repeat(16)));
    expect(f).toEqual({
      ok: true,
      envelope: { errno: 11, message: 'no upgrade task', data: undefined, requestId: 'ab'.repeat(16) },
    });
  });
  it('explains bodies that are not envelopes', () => {
    expect(parseEnvelope('<html>')).toEqual({ ok: false, reason: 'reply body is not JSON' });
    expect(parseEnvelope('{"x":1}')).toEqual({ ok: false, reason: 'reply has neither errno nor code' });
  });
});

describe('field rules', () => {
  it('versions: 1-20 of [A-Za-z0-9._-]', () => {
    expect(isValidVersion('V1.2.3-rc_1')).toBe(true);
    expect(isValidVersion('')).toBe(false);
    expect(isValidVersion('a'.repeat(21))).toBe(false);
    expect(isValidVersion('V 1')).toBe(false);
  });
  it('package names allow CJK and ( ), file names need .zip/.rar/.bin and no path', () => {
    expect(isValidPackageName('固件(v2)_b-1.0')).toBe(true);
    expect(isValidPackageName('a/b')).toBe(false);
    expect(isValidPackageFileName('fw.bin')).toBe(true);
    expect(isValidPackageFileName('../fw.bin')).toBe(false);
    expect(isValidPackageFileName('fw.exe')).toBe(false);
  });
  it('classifies steps', () => {
    expect([0, 99, 100, 101, 102, 107, 201, 205, 108, 200, -1, 1.5].map(classifyStep)).toEqual([
      'progress',
      'progress',
      'download-ok',
      'download-ok',
      'download-failed',
      'download-failed',
      'upgrade-ok',
      'upgrade-failed',
      'invalid',
      'invalid',
      'invalid',
      'invalid',
    ]);
  });
});
