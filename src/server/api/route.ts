/** The shape of one management API route and of the request its handler sees. */
import type { ServerContext } from '../context.ts';

/** A parsed management request. `body` is parsed JSON (json routes) or the raw bytes (raw routes). */
export interface ApiRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  raw: Buffer | undefined;
  now: number;
}

/** What a handler answers: HTTP status and a JSON-serialisable value. */
export interface ApiResult {
  status: number;
  body: unknown;
}

/** One route: method, path with `:param` segments, how its body is read, and its handler. */
export interface ApiRoute {
  method: 'GET' | 'POST' | 'PUT';
  path: string;
  body: 'none' | 'json' | 'raw';
  handle(ctx: ServerContext, req: ApiRequest): ApiResult;
}

export const ok = (body: unknown): ApiResult => ({ status: 200, body });
export const created = (body: unknown): ApiResult => ({ status: 201, body });
