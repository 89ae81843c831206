/**
 * The management API (JSON over HTTP under /api/): routing, the admin token (required when the server
 * listens beyond loopback, accepted always, a wrong one refused), body limits, and errors as
 * `{"error":{"code","message"}}` with an HTTP status. Handlers never crash the server.
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LIMITS } from '../config.ts';
import type { ServerContext } from '../context.ts';
import { parseFaultConfig } from '../faults.ts';
import { readBody, sendApiError, sendApiJson } from '../reply.ts';
import { batchRoutes } from './batches.ts';
import { demoRoutes } from './demo.ts';
import { fleetRoutes } from './fleet.ts';
import { corsHeaders, PREFLIGHT_HEADERS, refuseForeign, refuseMediaType } from './guard.ts';
import { packageRoutes } from './packages.ts';
import { type ApiRequest, type ApiRoute, ok } from './route.ts';
import type { HealthInfo, StatsInfo } from './types.ts';
import { ApiError, badRequest, clip } from './views.ts';

const systemRoutes: ApiRoute[] = [
  {
    method: 'GET',
    path: '/api/health',
    body: 'none',
    handle(ctx, req) {
      const { dialect, noTaskErrno, cancelledStatus, downloadingOn } = ctx.options;
      const health: HealthInfo = {
        ok: true,
        dialect,
        noTaskErrno,
        cancelledStatus,
        downloadingOn,
        products: ctx.state.products.size,
        devices: ctx.state.devicesById.size,
        liveTasks: ctx.state.liveTasks.size,
        uptimeMs: req.now - ctx.stats.startedAt,
      };
      if (ctx.informer.url !== undefined) health.mqtt = ctx.informer.url;
      return ok(health);
    },
  },
  {
    method: 'GET',
    path: '/api/stats',
    body: 'none',
    handle(ctx, req) {
      const { calls, other, push, mqtt, startedAt } = ctx.stats;
      const stats: StatsInfo = {
        uptimeMs: req.now - startedAt,
        calls,
        other,
        push,
        mqtt,
        faults: ctx.faults.counts,
        tokenCache: ctx.auth.cacheSize,
        tokenCacheBytes: ctx.auth.cacheBytes,
      };
      return ok(stats);
    },
  },
  { method: 'GET', path: '/api/faults', body: 'none', handle: (ctx) => ok(ctx.faults.config()) },
  {
    method: 'PUT',
    path: '/api/faults',
    body: 'json',
    handle(ctx, req) {
      const parsed = parseFaultConfig(req.body);
      if (!parsed.ok) throw badRequest(`faults: ${parsed.errors.join('; ')}`);
      ctx.faults.setConfig(parsed.config);
      ctx.log.info({ faults: parsed.config }, 'fault injection changed');
      return ok(parsed.config);
    },
  },
];

interface CompiledRoute {
  route: ApiRoute;
  segments: string[];
}

const ROUTES: CompiledRoute[] = [
  ...systemRoutes,
  ...fleetRoutes,
  ...packageRoutes,
  ...batchRoutes,
  ...demoRoutes,
].map((route) => ({
  route,
  segments: route.path.split('/').filter(Boolean),
}));

type Match = { route: ApiRoute; params: Record<string, string> } | 'method' | undefined;

function matchRoute(method: string, path: string): Match {
  const parts = path.split('/').filter(Boolean);
  let methodMismatch = false;
  for (const { route, segments } of ROUTES) {
    if (segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    let hit = true;
    for (let i = 0; i < segments.length && hit; i++) {
      const seg = segments[i]!;
      const part = parts[i]!;
      if (seg.startsWith(':')) {
        try {
          params[seg.slice(1)] = decodeURIComponent(part);
        } catch {
          hit = false;
        }
      } else hit = seg === part;
    }
    if (!hit) continue;
    if (route.method === method) return { route, params };
    methodMismatch = true;
  }
  return methodMismatch ? 'method' : undefined;
}

function authorized(ctx: ServerContext, header: string | undefined): boolean {
  if (header === undefined) return !ctx.options.requireAdminToken;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) return false;
  const given = Buffer.from(m[1]!);
  const expected = Buffer.from(ctx.adminToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

async function readRequest(
  req: IncomingMessage,
  res: ServerResponse,
  route: ApiRoute,
): Promise<Pick<ApiRequest, 'body' | 'raw'>> {
  if (route.body === 'none') return { body: undefined, raw: undefined };
  const limit = route.body === 'raw' ? LIMITS.uploadBody : LIMITS.managementBody;
  const r = await readBody(req, res, limit);
  if (!r.ok) {
    throw r.reason === 'too-large'
      ? new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`)
      : badRequest('request body was not received');
  }
  if (route.body === 'raw') return { body: undefined, raw: r.body };
  if (r.body.length === 0) return { body: undefined, raw: undefined };
  try {
    return { body: JSON.parse(r.body.toString('utf8')) as unknown, raw: undefined };
  } catch {
    throw badRequest('request body is not valid JSON');
  }
}

async function serve(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  cors: readonly string[],
) {
  const foreign = refuseForeign(ctx, req);
  if (foreign) throw foreign;
  if (req.method === 'OPTIONS' && cors.length > 0) {
    // A CORS preflight from the allowed origin.
    res.sendDate = false;
    res.writeHead(204, [...cors, ...PREFLIGHT_HEADERS]);
    res.end();
    return;
  }
  if (!authorized(ctx, req.headers.authorization)) {
    throw new ApiError(401, 'UNAUTHORIZED', 'missing or wrong admin token (Authorization: Bearer <token>)');
  }
  const match = matchRoute(req.method ?? 'GET', path);
  if (match === undefined) throw new ApiError(404, 'NOT_FOUND', `no route ${req.method} ${path}`);
  if (match === 'method')
    throw new ApiError(405, 'METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${path}`);
  const media = refuseMediaType(req, match.route);
  if (media) throw media;
  const { body, raw } = await readRequest(req, res, match.route);
  if (ctx.closed()) return;
  const result = match.route.handle(ctx, {
    params: match.params,
    query: new URLSearchParams(query),
    body,
    raw,
    now: Date.now(),
  });
  sendApiJson(res, result.status, result.body, cors);
}

/** Serves one management request; errors become JSON error replies, never crashes. */
export function handleManagement(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
): void {
  ctx.stats.other.management++;
  const cors = corsHeaders(ctx, req);
  serve(ctx, req, res, path, query, cors).catch((err: unknown) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ApiError) {
      // A refused request's body (if any) is never read: close the connection after the reply.
      if (err.status === 403 || err.status === 415) res.shouldKeepAlive = false;
      sendApiError(res, err.status, err.code, err.message, cors);
      return;
    }
    ctx.log.error({ err, path: clip(path, 200) }, 'management request failed');
    sendApiError(res, 500, 'INTERNAL', 'internal error (see the server log)', cors);
  });
}
