/**
 * Serves the web console of `ota-fleet serve` (issue 12 §3): the page at `/` (to a browser: a request
 * that accepts text/html; any other client keeps the protocol's 404 there) and at `/console/`, and its
 * script and style under `/console/`. The page only calls the management API; it holds no data of its
 * own. A strict Content-Security-Policy lets it run only its own script and reach only this origin.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServerContext } from '../context.ts';
import { CONSOLE_JS } from './client.ts';
import { CONSOLE_CSS, renderConsoleHtml } from './page.ts';
import { CONSOLE_PATHS } from './paths.ts';

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function send(res: ServerResponse, method: string, type: string, body: string): void {
  res.writeHead(200, [
    'Content-Type',
    type,
    'Content-Length',
    String(Buffer.byteLength(body)),
    'Cache-Control',
    'no-store',
    'X-Content-Type-Options',
    'nosniff',
    'Referrer-Policy',
    'no-referrer',
    'Content-Security-Policy',
    CSP,
    'X-Frame-Options',
    'DENY',
  ]);
  res.end(method === 'HEAD' ? undefined : body);
}

function wantsHtml(req: IncomingMessage): boolean {
  return /\btext\/html\b/i.test(req.headers.accept ?? '');
}

/** Serves a console request and returns true, or returns false when `path` is not the console's. */
export function handleConsole(
  ctx: ServerContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (path === CONSOLE_PATHS.page || path === '/console' || (path === '/' && wantsHtml(req))) {
    const html = renderConsoleHtml({ tokenRequired: ctx.options.requireAdminToken });
    send(res, method, 'text/html; charset=utf-8', html);
    return true;
  }
  if (path === CONSOLE_PATHS.script) {
    send(res, method, 'text/javascript; charset=utf-8', CONSOLE_JS);
    return true;
  }
  if (path === CONSOLE_PATHS.style) {
    send(res, method, 'text/css; charset=utf-8', CONSOLE_CSS);
    return true;
  }
  return false;
}
