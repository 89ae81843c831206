/**
 * Keeps the management API closed to other web pages (issue 8 §4). A browser page on another origin
 * can send "simple" requests (text/plain bodies, no preflight) and a DNS-rebinding page sends a
 * forged `Host`; so, before anything else of a request is read:
 * - on a loopback bind, `Host` must be a loopback name (`localhost`, `127.x.y.z`, `[::1]`, any port);
 * - an `Origin` must be the server's own (`http://` + Host) or the one `corsOrigin` allows, and a
 *   request without `Origin` that a browser marks `Sec-Fetch-Site: cross-site`/`same-site` is refused;
 * - writes (POST, PUT) must say `Content-Type: application/json` (uploads `application/octet-stream`),
 *   which no page can send to another origin without a CORS preflight.
 * CORS headers are sent only for the `corsOrigin` option's origin.
 */
import type { IncomingMessage } from 'node:http';
import type { ServerContext } from '../context.ts';
import type { ApiRoute } from './route.ts';
import { ApiError, badRequest, clip } from './views.ts';

const LOOPBACK_HOST = /^(localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(:\d{1,5})?$/i;

/** True for a `Host` value that names this machine's loopback interface. */
export function isLoopbackHostHeader(host: string): boolean {
  return LOOPBACK_HOST.test(host);
}

const forbidden = (message: string) => new ApiError(403, 'FORBIDDEN', message);

/** The origin checks of every management request: undefined when it may go on, else the refusal. */
export function refuseForeign(ctx: ServerContext, req: IncomingMessage): ApiError | undefined {
  const host = req.headers.host;
  if (host === undefined) return badRequest('a Host header is required');
  if (ctx.options.loopbackOnly && !isLoopbackHostHeader(host)) {
    return forbidden(
      `Host ${JSON.stringify(clip(host, 64))} is not a loopback name of this server (localhost, 127.0.0.1, [::1])`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = `http://${host}`.toLowerCase();
    const given = origin.toLowerCase();
    if (given !== own && given !== ctx.options.corsOrigin) {
      return forbidden(`cross-origin request refused (Origin ${JSON.stringify(clip(origin, 64))})`);
    }
    return undefined;
  }
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    return forbidden(`cross-origin request refused (Sec-Fetch-Site: ${site})`);
  }
  return undefined;
}

function mediaType(req: IncomingMessage): string {
  const value = req.headers['content-type'] ?? '';
  return value.split(';', 1)[0]!.trim().toLowerCase();
}

/** The content-type check of a write: undefined when the body says what the route reads. */
export function refuseMediaType(req: IncomingMessage, route: ApiRoute): ApiError | undefined {
  if (route.method === 'GET') return undefined;
  const want = route.body === 'raw' ? 'application/octet-stream' : 'application/json';
  const got = mediaType(req);
  if (got === want) return undefined;
  return new ApiError(
    415,
    'UNSUPPORTED_MEDIA_TYPE',
    `${route.method} ${route.path} needs Content-Type: ${want} (got ${got ? JSON.stringify(clip(got, 64)) : 'none'})`,
  );
}

/** CORS headers for a request from the `corsOrigin` origin (none for any other request). */
export function corsHeaders(ctx: ServerContext, req: IncomingMessage): string[] {
  const allowed = ctx.options.corsOrigin;
  const origin = req.headers.origin;
  if (allowed === undefined || origin === undefined || origin.toLowerCase() !== allowed) return [];
  return ['Access-Control-Allow-Origin', allowed, 'Vary', 'Origin'];
}

/** The reply headers of a CORS preflight from the allowed origin. */
export const PREFLIGHT_HEADERS: readonly string[] = [
  'Access-Control-Allow-Methods',
  'GET, POST, PUT',
  'Access-Control-Allow-Headers',
  'Authorization, Content-Type',
  'Access-Control-Max-Age',
  '600',
];
