/**
 * `ota-fleet run --dashboard [HOST:]PORT`: a small HTTP server on loopback (by default) that serves
 * the live page at `/`, one server-sent event a second at `/events` (the run observer's merged
 * figures; under `--processes` the parent's, so the whole fleet), and once the run has ended the
 * written report at `/report`. Nothing here touches the run: it only watches.
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunObserver } from '../engine/observer.ts';
import { OtaFleetError } from '../error-codes.ts';
import type { Threshold } from '../metrics/threshold-spec.ts';
import type { RunSummary } from '../report/summary.ts';
import type { Scenario } from '../scenario/schema.ts';
import { dashboardPage } from './page.ts';
import { DashboardModel } from './state.ts';

/** Where to listen: `PORT`, `HOST:PORT` or `[v6]:PORT`; port 0 picks a free one. */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (!m || !(port >= 0 && port <= 65_535)) {
    throw new OtaFleetError(
      'ERR_USAGE',
      `--dashboard must be PORT or HOST:PORT (got ${JSON.stringify(text)})`,
    );
  }
  return { host: m[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
}

/** A running dashboard. */
export interface Dashboard {
  /** The page's URL, e.g. http://127.0.0.1:41234/ */
  readonly url: string;
  /** The run observer that feeds the page. */
  readonly observer: RunObserver;
  /** The run's summary (thresholds judged) and its written report.html: the page shows the link. */
  finished(summary: RunSummary, htmlPath: string): void;
  /** Pages connected now. */
  readonly clients: number;
  /**
   * Stops serving. Waits (at most `graceMs`, default 3 s) until every connected page has fetched
   * the report, so its link keeps working after the process exits.
   */
  close(graceMs?: number): Promise<void>;
}

/** Options of `startDashboard`. */
export interface DashboardOptions {
  listen: string;
  scenario: Scenario;
  thresholds: readonly Threshold[];
}

/** Starts the dashboard server; resolves once it listens. */
export async function startDashboard(o: DashboardOptions): Promise<Dashboard> {
  const { host, port } = parseListen(o.listen);
  const model = new DashboardModel(o.scenario, o.thresholds);
  const page = dashboardPage(o.scenario.name);
  const clients = new Set<ServerResponse>();
  /** Pages that were shown the end and have not fetched the report yet. */
  let awaiting = 0;
  let reportPath: string | undefined;
  let lastEvent = '';
  let waiters: (() => void)[] = [];

  const send = () => {
    lastEvent = `event: state\ndata: ${JSON.stringify(model.state())}\n\n`;
    for (const c of clients) c.write(lastEvent);
  };
  const wake = () => {
    for (const w of waiters) w();
    waiters = [];
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/' || path === '/index.html') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(page);
    } else if (path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(': ota-fleet dashboard\n\n');
      if (lastEvent !== '') res.write(lastEvent);
      clients.add(res);
      req.on('close', () => {
        clients.delete(res);
        wake();
      });
    } else if (path === '/report') {
      if (reportPath === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('the report is written when the run ends\n');
        return;
      }
      readFile(reportPath).then(
        (html) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
          awaiting = Math.max(0, awaiting - 1);
          wake();
        },
        () => res.writeHead(404, { 'content-type': 'text/plain' }).end('report not found\n'),
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      fail(
        new OtaFleetError(
          'ERR_USAGE',
          `--dashboard cannot listen on ${host}:${port}: ${err.code ?? err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => ok());
  });
  const addr = server.address() as AddressInfo;
  const shownHost = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;

  const observer: RunObserver = {
    onStart: (run) => {
      model.onStart(run);
      send();
    },
    onSnapshot: (s) => {
      model.onSnapshot(s);
      send();
    },
    onStopping: (stop) => {
      model.onStopping(stop.reason);
      send();
    },
  };

  return {
    url: `http://${shownHost}:${addr.port}/`,
    observer,
    get clients() {
      return clients.size;
    },
    finished(summary, htmlPath) {
      reportPath = htmlPath;
      model.finished(summary, 'report');
      awaiting = clients.size;
      send();
    },
    async close(graceMs = 3000) {
      if (reportPath !== undefined) {
        let timedOut = false;
        const deadline = setTimeout(() => {
          timedOut = true;
          wake();
        }, graceMs);
        while (!timedOut && awaiting > 0) await new Promise<void>((r) => waiters.push(r));
        clearTimeout(deadline);
      }
      for (const c of clients) c.end();
      clients.clear();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
