/** Management routes of packages (JSON create, raw upload, views) and the verification upgrade. */
import { MAX_PACKAGE_BYTES, ModuleType, PackageType } from '../../ota/codes.ts';
import { isValidPackageFileName } from '../../ota/rules.ts';
import { startVerification } from '../batches.ts';
import type { ServerContext } from '../context.ts';
import { md5Hex, syntheticPackageBytes } from '../store/content.ts';
import type { PackageRecord } from '../store/records.ts';
import { productOf } from './fleet.ts';
import { type ApiRoute, created, ok } from './route.ts';
import { createPackageSchema, parseWith, uploadQuerySchema, verificationSchema } from './schemas.ts';
import type { VerificationResult } from './types.ts';
import { badRequest, batchInfo, notFound, packageInfo } from './views.ts';

interface PackageFields {
  name: string;
  module: 'fota' | 'sota';
  type?: 'full' | 'diff' | undefined;
  targetVersion: string;
  fromVersion?: string | undefined;
  description?: string | undefined;
  fileName?: string | undefined;
}

/** The package named by `:id`, or 404. */
export function packageOf(ctx: ServerContext, id: string | undefined): PackageRecord {
  const pkg = id !== undefined && /^\d{1,15}$/.test(id) ? ctx.state.packages.get(Number(id)) : undefined;
  if (!pkg) throw notFound(`no package ${id}`);
  return pkg;
}

function addPackage(
  ctx: ServerContext,
  pid: string,
  f: PackageFields,
  bytes: Buffer,
  seed: number | null,
  now: number,
) {
  const type = f.type ?? 'full';
  if (type === 'diff' && f.fromVersion === undefined)
    throw badRequest('package: a diff package needs fromVersion');
  if (type === 'full' && f.fromVersion !== undefined)
    throw badRequest('package: fromVersion is for diff packages');
  if (bytes.length < 1 || bytes.length > MAX_PACKAGE_BYTES)
    throw badRequest('package: content must be 1 byte to 30 MB');
  const fallback = `${f.name}.bin`;
  const pkg = ctx.state.addPackage(
    {
      pid,
      name: f.name,
      module: f.module === 'fota' ? ModuleType.FOTA : ModuleType.SOTA,
      type: type === 'full' ? PackageType.FULL : PackageType.DIFF,
      targetVersion: f.targetVersion,
      fromVersion: f.fromVersion ?? null,
      description: f.description ?? '',
      fileName: f.fileName ?? (isValidPackageFileName(fallback) ? fallback : 'package.bin'),
      size: bytes.length,
      md5: md5Hex(bytes),
      syntheticSeed: seed,
      verified: false,
      createdAt: now,
    },
    seed === null ? bytes : null,
  );
  ctx.content.put(pkg.id, bytes);
  return packageInfo(pkg);
}

function createFromJson(ctx: ServerContext, pid: string, body: unknown, now: number) {
  const input = parseWith(createPackageSchema, body, 'package');
  const { synthetic, contentBase64, ...fields } = input;
  if ((synthetic === undefined) === (contentBase64 === undefined)) {
    throw badRequest('package: give exactly one of synthetic and contentBase64');
  }
  if (synthetic) {
    const seed = synthetic.seed ?? 1;
    return addPackage(ctx, pid, fields, syntheticPackageBytes(synthetic.size, seed), seed, now);
  }
  const bytes = Buffer.from(contentBase64 ?? '', 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== (contentBase64 ?? '').replace(/=+$/, '')) {
    throw badRequest('package: contentBase64 is not standard base64');
  }
  return addPackage(ctx, pid, fields, bytes, null, now);
}

function verify(ctx: ServerContext, pkg: PackageRecord, body: unknown, now: number): VerificationResult {
  const input = parseWith(verificationSchema, body, 'verification');
  if ('skip' in input) {
    ctx.state.markVerified(pkg);
    return { package: packageInfo(pkg), batch: null, tid: null };
  }
  const device = ctx.state.device(pkg.pid, input.device);
  if (!device) throw notFound(`no device ${input.device} in product ${pkg.pid}`);
  const { batch, task } = startVerification(ctx, pkg, device, input.timeoutSec ?? 600, now);
  return { package: packageInfo(pkg), batch: batchInfo(ctx.state.store, batch, pkg), tid: task?.id ?? null };
}

/** The routes of this module. */
export const packageRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/products/:pid/packages',
    body: 'json',
    handle: (ctx, req) => created(createFromJson(ctx, productOf(ctx, req.params.pid).id, req.body, req.now)),
  },
  {
    method: 'POST',
    path: '/api/products/:pid/packages/upload',
    body: 'raw',
    handle(ctx, req) {
      const pid = productOf(ctx, req.params.pid).id;
      const fields = parseWith(uploadQuerySchema, Object.fromEntries(req.query), 'upload query');
      return created(addPackage(ctx, pid, fields, req.raw ?? Buffer.alloc(0), null, req.now));
    },
  },
  {
    method: 'GET',
    path: '/api/products/:pid/packages',
    body: 'none',
    handle(ctx, req) {
      const pid = productOf(ctx, req.params.pid).id;
      return ok([...ctx.state.packages.values()].filter((p) => p.pid === pid).map(packageInfo));
    },
  },
  {
    method: 'GET',
    path: '/api/packages/:id',
    body: 'none',
    handle: (ctx, req) => ok(packageInfo(packageOf(ctx, req.params.id))),
  },
  {
    method: 'POST',
    path: '/api/packages/:id/verification',
    body: 'json',
    handle: (ctx, req) => created(verify(ctx, packageOf(ctx, req.params.id), req.body, req.now)),
  },
];
