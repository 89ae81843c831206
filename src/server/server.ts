/**
 * `startOtaServer(options)`: the reference OneNET Studio OTA server — node:http, the six device calls,
 * the management API under /api/, SQLite persistence and a scheduler. Binds 127.0.0.1 by default.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import pino, { type Logger } from 'pino';
import { OtaFleetError } from '../error-codes.ts';
import { Errno, JSON_CONTENT_TYPE } from '../ota/codes.ts';
import { encodeEnvelope } from '../ota/envelope.ts';
import { matchOtaRoute } from '../ota/routes.ts';
import { handleManagement } from './api/management.ts';
import { createAuthenticator } from './auth.ts';
import { type OtaServerOptions, type ResolvedServerOptions, resolveServerOptions } from './config.ts';
import type { ServerContext } from './context.ts';
import { type DemoInfo, resetDemo, seedDemo } from './demo.ts';
import { handleDeviceCall } from './device-api.ts';
import { createFaultInjector } from './faults.ts';
import { type MqttBroker, startMqttBroker } from './mqtt/broker.ts';
import { createPusher } from './push.ts';
import { newRequestId, sendEnvelope } from './reply.ts';
import { runDue, startScheduler } from './scheduler.ts';
import { createStats } from './stats.ts';
import { createContentCache } from './store/content.ts';
import { createOtaState, type OtaState } from './store/state.ts';
import { openStore } from './store/store.ts';

/** Options of `startOtaServer`, plus an optional parent logger (default: pino to stderr). */
export interface StartOtaServerOptions extends OtaServerOptions {
  logger?: Logger;
}

/** A running server. */
export interface OtaServer {
  /** Base URL, e.g. `http://127.0.0.1:40123` (a wildcard bind is reported as loopback). */
  url: string;
  host: string;
  port: number;
  adminToken: string;
  options: ResolvedServerOptions;
  /** The MQTT broker's URL (`mqtt://127.0.0.1:PORT`) when `mqttPort` was set. */
  mqttUrl: string | undefined;
  /** Present when `seedDemo` was set. */
  demo: DemoInfo | undefined;
  /** Runs the scheduler once now (starts due batches, expires timeouts, retries); returns changes. */
  runScheduler(now?: number): number;
  /** Stops listening, drops open connections, closes the database. Idempotent. */
  close(): Promise<void>;
}

function createLogger(options: StartOtaServerOptions, level: string): Logger {
  const parent = options.logger ?? pino({ level, base: { pid: process.pid } }, pino.destination(2));
  return parent.child({ module: 'ota-server' });
}

/** The protocol's 400 (or 431) on a socket Node's HTTP layer does not answer: envelope, then close. */
function rejectOnSocket(ctx: ServerContext, socket: Socket, status: string): void {
  const { dialect } = ctx.options;
  const body = encodeEnvelope(
    dialect,
    Errno.BAD_PARAM,
    undefined,
    dialect === 'fuse' ? newRequestId() : undefined,
  );
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: ${JSON_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function onClientError(ctx: ServerContext, err: NodeJS.ErrnoException, socket: Socket): void {
  ctx.stats.other.clientErrors++;
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  rejectOnSocket(
    ctx,
    socket,
    err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request',
  );
}

/** `CONNECT` (a proxy tunnel) is no request of this server: 400 with an envelope, then close. */
function onConnect(ctx: ServerContext, socket: Socket): void {
  ctx.stats.other.clientErrors++;
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  rejectOnSocket(ctx, socket, '400 Bad Request');
}

function onRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): void {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  if (path === '/api' || path.startsWith('/api/')) {
    handleManagement(ctx, req, res, path, query);
    return;
  }
  if (req.headers.host === undefined && req.httpVersion === '1.1') {
    // HTTP/1.1 requires Host (RFC 9112 §3.2); answer as the protocol does, within spec §6.
    ctx.stats.other.clientErrors++;
    res.shouldKeepAlive = false;
    sendEnvelope(res, ctx.options.dialect, Errno.BAD_PARAM, undefined, 400);
    return;
  }
  const match = matchOtaRoute(req.method ?? 'GET', path);
  if (!match.ok) {
    ctx.stats.other.notFound++;
    sendEnvelope(res, ctx.options.dialect, Errno.BAD_PARAM, undefined, 404);
    return;
  }
  handleDeviceCall(ctx, req, res, match.route, query);
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      const why = err.code === 'EADDRINUSE' ? `port ${port} on ${host} is already in use` : err.message;
      reject(new OtaFleetError('ERR_EMBEDDED_SERVER', `reference server could not listen: ${why}`));
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function baseUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

function openState(opts: ResolvedServerOptions, log: Logger) {
  try {
    const store = openStore(opts.dataFile);
    const state = createOtaState(store, log.child({ part: 'state' }));
    state.load();
    return state;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new OtaFleetError(
      'ERR_EMBEDDED_SERVER',
      `reference server could not open ${opts.dataFile}: ${why}`,
    );
  }
}

/** The handler context, and the switch that stops its timers and late callbacks. */
function createContext(opts: ResolvedServerOptions, state: OtaState, adminToken: string, log: Logger) {
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const ctx: ServerContext = {
    state,
    options: opts,
    adminToken,
    auth: createAuthenticator(state, { maxEntries: opts.tokenCacheSize, maxBytes: opts.tokenCacheBytes }),
    content: createContentCache(opts.contentCacheBytes, (id) => state.store.packageContent(id)),
    faults: createFaultInjector(opts.faults, opts.faultSeed),
    stats: createStats(Date.now()),
    log,
    closed: () => closed,
    later(ms, fn) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closed) fn();
      }, ms);
      timers.add(t);
    },
    notify: () => undefined,
    informer: { enabled: false, url: undefined, inform: () => undefined },
  };
  const shutdown = (): void => {
    closed = true;
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
  return { ctx, shutdown };
}

/** Starts the reference OTA server; throws OtaFleetError (ERR_USAGE, ERR_EMBEDDED_SERVER) on failure. */
export async function startOtaServer(options: StartOtaServerOptions = {}): Promise<OtaServer> {
  const opts = resolveServerOptions(options);
  const log = createLogger(options, opts.logLevel);
  const state = openState(opts, log);
  let adminToken = opts.adminToken ?? state.store.getMeta('admin_token');
  if (adminToken === undefined) {
    adminToken = randomBytes(18).toString('base64url');
    state.store.setMeta('admin_token', adminToken);
  }
  const { ctx, shutdown } = createContext(opts, state, adminToken, log);
  const pusher = createPusher(ctx);
  ctx.notify = (batchId, dids) => pusher.push(batchId, dids);
  const demo = opts.seedDemo ? seedDemo(ctx, Date.now()) : undefined;
  if (opts.resetDemo) resetDemo(ctx);
  const server = createServer(
    // Host is checked by onRequest, so a request without it gets the protocol's reply, not Node's.
    { keepAliveTimeout: 5000, headersTimeout: 20_000, requestTimeout: 120_000, requireHostHeader: false },
    (req, res) => onRequest(ctx, req, res),
  );
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => onClientError(ctx, err, socket));
  server.on('connect', (_req: IncomingMessage, socket: Socket) => onConnect(ctx, socket));
  let port: number;
  let broker: MqttBroker | undefined;
  try {
    if (opts.mqttPort !== undefined) {
      broker = await startMqttBroker(ctx, { host: opts.mqttHost, port: opts.mqttPort });
      ctx.informer = broker;
    }
    port = await listen(server, opts.port, opts.host);
  } catch (err) {
    await broker?.close();
    state.store.close();
    throw err;
  }
  server.on('error', (err) => log.error({ err }, 'http server error'));
  runDue(ctx, Date.now());
  const scheduler = startScheduler(ctx);
  log.info(
    { host: opts.host, port, dataFile: opts.dataFile, dialect: opts.dialect },
    'reference OTA server listening',
  );
  let closing: Promise<void> | undefined;
  return {
    url: baseUrl(opts.host, port),
    host: opts.host,
    port,
    adminToken,
    options: opts,
    mqttUrl: broker?.url,
    demo,
    runScheduler: (now = Date.now()) => runDue(ctx, now),
    close() {
      closing ??= (async () => {
        shutdown();
        scheduler.stop();
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await done;
        await broker?.close();
        await pusher.close();
        state.store.close();
        log.info('reference OTA server closed');
      })();
      return closing;
    },
  };
}
