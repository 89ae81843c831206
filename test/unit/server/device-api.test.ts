/** serve() dispatches on the call with an exhaustive switch: an unknown call is an explicit error, never query-version. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import type { MatchedRoute } from '../../../src/ota/routes.ts';
import type { ServerContext } from '../../../src/server/context.ts';
import { handleDeviceCall } from '../../../src/server/device-api.ts';

describe('device API dispatch', () => {
  it('answers a call it has no handler for with errno 7 and a logged error, not with the version query', () => {
    const logged: unknown[] = [];
    const calls = new Proxy({} as Record<string, { requests: number; replies: Record<number, number> }>, {
      get: (t, k: string) => {
        t[k] ??= { requests: 0, replies: {} };
        return t[k];
      },
    });
    const ctx = {
      options: { dialect: 'studio' },
      stats: { calls },
      faults: { plan: () => undefined },
      auth: { authenticate: () => ({ errno: 0, device: { id: 1, fVersion: 'V1', sVersion: null } }) },
      log: { error: (o: unknown) => logged.push(o) },
    } as unknown as ServerContext;
    let status = 0;
    let body = '';
    const res = {
      headersSent: false,
      writeHead: (s: number) => {
        status = s;
      },
      end: (b?: string) => {
        body = b ?? '';
      },
    } as unknown as ServerResponse;
    const route = { call: 'firmware-push', proId: 'p1', devName: 'd1' } as unknown as MatchedRoute;
    handleDeviceCall(ctx, { headers: {} } as IncomingMessage, res, route, '');
    expect(status).toBe(200);
    expect(JSON.parse(body).errno).toBe(Errno.INTERNAL);
    expect(body).not.toContain('f_version');
    expect(logged).toHaveLength(1);
  });
});
