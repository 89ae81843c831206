/** Helpers of the reference-server integration tests: a server with a product, and a device client. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { type Envelope, parseEnvelope } from '../../../src/ota/envelope.ts';
import { devicePath, otaPaths } from '../../../src/ota/routes.ts';
import { buildAuthorization, deviceRes, productRes, type TokenMethod } from '../../../src/ota/token.ts';
import { type AdminClient, createAdminClient } from '../../../src/server/api/admin-client.ts';
import type { OtaServerOptions } from '../../../src/server/config.ts';
import { type OtaServer, startOtaServer } from '../../../src/server/server.ts';

export const PID = 'p1';
export const ACCESS_KEY = Buffer.alloc(32, 7).toString('base64');

/** A token valid for an hour. */
export function token(key: string, res: string, opts: { method?: TokenMethod; et?: number } = {}): string {
  const et = opts.et ?? Math.floor(Date.now() / 1000) + 3600;
  return buildAuthorization({ key, res, et, method: opts.method ?? 'sha1' });
}

export const productToken = (pid = PID, key = ACCESS_KEY, opts = {}) => token(key, productRes(pid), opts);
export const deviceToken = (pid: string, dev: string, key: string, opts = {}) =>
  token(key, deviceRes(pid, dev), opts);

/** A reply of a JSON device call. */
export interface JsonReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  env: Envelope;
}

/** A reply of a download. */
export interface BytesReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  otaErrno: number;
}

async function json(
  url: string,
  method: 'GET' | 'POST',
  auth: string | undefined,
  body?: string,
): Promise<JsonReply> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers.authorization = auth;
  const res = await request(url, { method, headers, body });
  const text = await res.body.text();
  const parsed = parseEnvelope(text);
  if (!parsed.ok) throw new Error(`not an envelope (${res.statusCode}): ${text}`);
  return { status: res.statusCode, headers: res.headers, text, env: parsed.envelope };
}

/** A device speaking the six calls to `url` with an Authorization value (default a product token; null: none). */
export function deviceClient(url: string, pid: string, dev: string, authorization?: string | null) {
  const auth = authorization === null ? undefined : (authorization ?? productToken(pid));
  const base = url + devicePath(pid, dev);
  return {
    base,
    check: (type: number, version: string) => json(otaPaths.check(base, type, version), 'GET', auth),
    reportVersion: (body: unknown) =>
      json(
        otaPaths.reportVersion(base),
        'POST',
        auth,
        typeof body === 'string' ? body : JSON.stringify(body),
      ),
    reportStatus: (tid: number | string, step: unknown) =>
      json(otaPaths.reportStatus(base, String(tid)), 'POST', auth, JSON.stringify({ step })),
    reportRaw: (tid: number | string, body: string) =>
      json(otaPaths.reportStatus(base, String(tid)), 'POST', auth, body),
    taskState: (tid: number | string) => json(otaPaths.taskState(base, String(tid)), 'GET', auth),
    queryVersion: () => json(otaPaths.queryVersion(base), 'GET', auth),
    async download(tid: number | string, range?: string): Promise<BytesReply> {
      const headers: Record<string, string> = {};
      if (auth !== undefined) headers.authorization = auth;
      if (range !== undefined) headers.range = range;
      const res = await request(otaPaths.download(base, String(tid)), { headers });
      const body = Buffer.from(await res.body.arrayBuffer());
      return {
        status: res.statusCode,
        headers: res.headers,
        body,
        otaErrno: Number(res.headers['ota-errno']),
      };
    },
  };
}

/** A running server with product `p1` (key ACCESS_KEY) and an admin client. */
export interface TestServer {
  server: OtaServer;
  admin: AdminClient;
  url: string;
  close(): Promise<void>;
}

/** Starts a server on 127.0.0.1:0 and creates product `p1`. */
export async function startTestServer(options: OtaServerOptions = {}): Promise<TestServer> {
  const server = await startOtaServer({ logLevel: 'silent', tickMs: 20, ...options });
  const admin = createAdminClient(server.url, server.adminToken);
  if (!(await admin.listProducts()).some((p) => p.id === PID)) {
    await admin.createProduct({ id: PID, accessKey: ACCESS_KEY });
  }
  return {
    server,
    admin,
    url: server.url,
    async close() {
      await admin.close();
      await server.close();
    },
  };
}

/** Creates devices `d1..dN` at `fVersion`, a verified synthetic FOTA package, and returns its id. */
export async function seedFleet(
  t: TestServer,
  opts: { count?: number; fVersion?: string; size?: number; target?: string } = {},
): Promise<number> {
  await t.admin.createDevices(PID, {
    prefix: 'd',
    count: opts.count ?? 3,
    versions: { f_version: { [opts.fVersion ?? 'V1.0']: 1 } },
  });
  const pkg = await t.admin.createPackage(PID, {
    name: 'fw',
    module: 'fota',
    targetVersion: opts.target ?? 'V2.0',
    synthetic: { size: opts.size ?? 1000, seed: 42 },
  });
  await t.admin.verifyPackage(pkg.id, { skip: true });
  return pkg.id;
}

/** Polls `fn` every 20 ms until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(fn: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'ota-server-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
