/**
 * The six device calls of spec §3, under `/ota/{pro_id}/{dev_name}` (and `/fuse-ota/...`): path
 * builders for devices, a matcher for the server. Tolerates duplicate slashes and `/download/`.
 */

/** Names of the six device calls. */
export type OtaCall =
  | 'report-version'
  | 'check'
  | 'download'
  | 'report-status'
  | 'task-state'
  | 'query-version';

/** All calls, in protocol order. */
export const OTA_CALLS: readonly OtaCall[] = [
  'report-version',
  'check',
  'download',
  'report-status',
  'task-state',
  'query-version',
];

/** A request path matched to a device call. */
export interface MatchedRoute {
  call: OtaCall;
  proId: string;
  devName: string;
  tid?: string;
}

/** Why a path did not match: `not-found` (no such route) or `method` (route exists, other method). */
export type RouteMatch = { ok: true; route: MatchedRoute } | { ok: false; reason: 'not-found' | 'method' };

function decode(segment: string): string | undefined {
  try {
    const v = decodeURIComponent(segment);
    return v.length === 0 || v.includes('/') || v === '.' || v === '..' ? undefined : v;
  } catch {
    return undefined;
  }
}

/** Matches a method and a path (query string already removed) to a device call. */
export function matchOtaRoute(method: string, path: string): RouteMatch {
  const parts = path.split('/').filter((p) => p.length > 0);
  const root = parts[0];
  if ((root !== 'ota' && root !== 'fuse-ota') || parts.length < 4 || parts.length > 5) {
    return { ok: false, reason: 'not-found' };
  }
  const proId = decode(parts[1]!);
  const devName = decode(parts[2]!);
  if (proId === undefined || devName === undefined) return { ok: false, reason: 'not-found' };
  let call: OtaCall | undefined;
  let want = 'GET';
  let tid: string | undefined;
  if (parts.length === 4) {
    const last = parts[3];
    if (last === 'version') {
      call = method === 'POST' ? 'report-version' : 'query-version';
      want = method === 'POST' ? 'POST' : 'GET';
    } else if (last === 'check') call = 'check';
  } else {
    tid = decode(parts[3]!);
    const last = parts[4];
    if (tid !== undefined) {
      if (last === 'download') call = 'download';
      else if (last === 'status') {
        call = 'report-status';
        want = 'POST';
      } else if (last === 'check') call = 'task-state';
    }
  }
  if (call === undefined) return { ok: false, reason: 'not-found' };
  if (method !== want && !(want === 'GET' && method === 'HEAD')) return { ok: false, reason: 'method' };
  const route: MatchedRoute = { call, proId, devName };
  if (tid !== undefined) route.tid = tid;
  return { ok: true, route };
}

/** Path prefix of a device: `/ota/{pid}/{dev}` (segments percent-encoded). */
export function devicePath(proId: string, devName: string, root: 'ota' | 'fuse-ota' = 'ota'): string {
  return `/${root}/${encodeURIComponent(proId)}/${encodeURIComponent(devName)}`;
}

/** Path and method of each device call, as a device sends it. */
export const otaPaths = {
  reportVersion: (base: string) => `${base}/version`,
  queryVersion: (base: string) => `${base}/version`,
  check: (base: string, type: number, version: string) =>
    `${base}/check?type=${type}&version=${encodeURIComponent(version)}`,
  download: (base: string, tid: string) => `${base}/${encodeURIComponent(tid)}/download`,
  reportStatus: (base: string, tid: string) => `${base}/${encodeURIComponent(tid)}/status`,
  taskState: (base: string, tid: string) => `${base}/${encodeURIComponent(tid)}/check`,
} as const;
