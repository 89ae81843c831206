/** Helpers of the transport and hostile-target integration tests: a fake target on 127.0.0.1 port 0. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import type { OtaCall } from '../../../src/ota/routes.ts';

/** An HTTP server on 127.0.0.1:0 that counts the requests it received, by call. */
export interface FakeTarget {
  url: string;
  received: Partial<Record<OtaCall | 'other', number>>;
  total(): number;
  close(): Promise<void>;
}

/** The call of a device request path (enough for these tests). */
export function callOf(method: string | undefined, path: string): OtaCall | 'other' {
  const p = path.split('?')[0] ?? '';
  if (p.endsWith('/version')) return method === 'POST' ? 'report-version' : 'query-version';
  if (/\/ota\/[^/]+\/[^/]+\/check$/.test(p)) return 'check';
  if (p.endsWith('/download') || p.endsWith('/download/')) return 'download';
  if (p.endsWith('/status')) return 'report-status';
  if (p.endsWith('/check')) return 'task-state';
  return 'other';
}

/** Starts a node:http target whose `handle` answers (or deliberately does not answer) each request. */
export async function startFakeTarget(
  handle: (req: IncomingMessage, res: ServerResponse, call: OtaCall | 'other') => void,
): Promise<FakeTarget> {
  const received: FakeTarget['received'] = {};
  const server: Server = createServer((req, res) => {
    const call = callOf(req.method, req.url ?? '/');
    received[call] = (received[call] ?? 0) + 1;
    req.resume();
    res.on('error', () => {});
    handle(req, res, call);
  });
  server.on('clientError', (_e, sock) => sock.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    total: () => Object.values(received).reduce((a, b) => a + (b ?? 0), 0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Requests of `call` the run cut at its stop (kept apart from completed ones, or as ERR_CUT_BY_STOP errors). */
export function cutCount(summary: RunSummary, call: OtaCall): number {
  const asErrors = summary.errors
    .filter((e) => e.code === 'ERR_CUT_BY_STOP' && e.call === call)
    .reduce((a, e) => a + e.count, 0);
  const asCounters = Object.entries(summary.counters)
    .filter(([k]) => k.includes('cut') && k.includes(`call=${call}`))
    .reduce((a, [, n]) => a + n, 0);
  return Math.max(asErrors, asCounters);
}

/** Every request the summary accounts for (completed and cut), over all calls. */
export function requestsCounted(summary: RunSummary): number {
  const calls = Object.values(summary.calls).reduce((a, c) => a + c.count, 0);
  const cutApart = Object.entries(summary.counters)
    .filter(([k]) => k.includes('cut'))
    .reduce((a, [, n]) => a + n, 0);
  return calls + cutApart;
}

/** Aborts the returned controller once `ready()` holds (checked every 10 ms); `at` is when it did. */
export function stopWhen(ready: () => boolean): { signal: AbortSignal; at: () => number; cancel(): void } {
  const ac = new AbortController();
  let at = 0;
  const t = setInterval(() => {
    if (!ready()) return;
    at = Date.now();
    clearInterval(t);
    ac.abort('condition met');
  }, 10);
  return { signal: ac.signal, at: () => at, cancel: () => clearInterval(t) };
}
