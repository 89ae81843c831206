/** Management routes of products and devices. */
import { randomBytes } from 'node:crypto';
import { assignFleetVersions, formatDeviceName, isValidDeviceName } from '../../ota/fleet-versions.ts';
import type { ServerContext } from '../context.ts';
import type { ProductRecord } from '../store/records.ts';
import type { NewDevice } from '../store/state.ts';
import { type ApiRoute, created, ok } from './route.ts';
import {
  bulkDevicesSchema,
  createDeviceSchema,
  createProductSchema,
  parsePage,
  parseWith,
} from './schemas.ts';
import type { CreatedDevices, DeviceDetail, ProductInfo } from './types.ts';
import { badRequest, clip, conflict, deviceInfo, notFound, taskInfo } from './views.ts';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A new random base64 key of 32 bytes. */
export function newKey(): string {
  return randomBytes(32).toString('base64');
}

function newProductId(): string {
  return [...randomBytes(10)].map((b) => ALNUM[b % ALNUM.length]).join('');
}

export function productInfo(ctx: ServerContext, p: ProductRecord): ProductInfo {
  const devices = ctx.state.devices.get(p.id)?.size ?? 0;
  return { id: p.id, name: p.name, accessKey: p.accessKey, devices, createdAt: p.createdAt };
}

/** The product named by `:pid`, or 404. */
export function productOf(ctx: ServerContext, pid: string | undefined): ProductRecord {
  const p = pid === undefined ? undefined : ctx.state.products.get(pid);
  if (!p) throw notFound(`no product ${clip(String(pid), 80)}`);
  return p;
}

/** Creates a product; exported for the demo seed. */
export function createProduct(ctx: ServerContext, body: unknown, now: number): ProductRecord {
  const input = parseWith(createProductSchema, body ?? {}, 'product');
  const id = input.id ?? newProductId();
  if (ctx.state.products.has(id)) throw conflict(`product ${id} already exists`);
  const product = { id, name: input.name ?? id, accessKey: input.accessKey ?? newKey(), createdAt: now };
  ctx.state.addProduct(product);
  return product;
}

function bulkDevices(body: unknown): { list: NewDevice[]; returnDevices: boolean } {
  const input = parseWith(bulkDevicesSchema, body, 'devices');
  if (input.prefix !== undefined && input.namePattern !== undefined) {
    throw badRequest('devices: give prefix or namePattern, not both');
  }
  const pattern =
    input.namePattern ?? (input.prefix !== undefined ? `${input.prefix}{index}` : 'dev-{index:06}');
  const start = input.start ?? 1;
  const seed = input.seed ?? 1;
  const keys = randomBytes(32 * input.count);
  const list: NewDevice[] = new Array(input.count);
  for (let i = 0; i < input.count; i++) {
    const index = start + i;
    const name = formatDeviceName(pattern, index);
    if (!isValidDeviceName(name))
      throw badRequest(`devices: name ${JSON.stringify(clip(name, 80))} is not a valid device name`);
    const v = assignFleetVersions(input.versions ?? {}, index, seed);
    const key = keys.subarray(i * 32, i * 32 + 32).toString('base64');
    list[i] = { name, key, fVersion: v.f_version ?? null, sVersion: v.s_version ?? null };
  }
  return { list, returnDevices: input.returnDevices ?? true };
}

function createDevices(ctx: ServerContext, pid: string, body: unknown, now: number): CreatedDevices {
  const isBulk = typeof body === 'object' && body !== null && 'count' in body;
  let list: NewDevice[];
  let returnDevices = true;
  if (isBulk) ({ list, returnDevices } = bulkDevices(body));
  else {
    const input = parseWith(createDeviceSchema, body, 'device');
    list = [
      {
        name: input.name,
        key: input.key ?? newKey(),
        fVersion: input.fVersion ?? null,
        sVersion: input.sVersion ?? null,
      },
    ];
  }
  const existing = ctx.state.devices.get(pid);
  const seen = new Set<string>();
  for (const d of list) {
    if (existing?.has(d.name) || seen.has(d.name))
      throw conflict(`device ${d.name} already exists in product ${pid}`);
    seen.add(d.name);
  }
  ctx.state.addDevices(pid, list, now);
  return {
    created: list.length,
    devices: returnDevices ? list.map((d) => ({ name: d.name, key: d.key })) : [],
  };
}

/** The routes of this module. */
export const fleetRoutes: ApiRoute[] = [
  {
    method: 'POST',
    path: '/api/products',
    body: 'json',
    handle: (ctx, req) => created(productInfo(ctx, createProduct(ctx, req.body, req.now))),
  },
  {
    method: 'GET',
    path: '/api/products',
    body: 'none',
    handle: (ctx) => ok([...ctx.state.products.values()].map((p) => productInfo(ctx, p))),
  },
  {
    method: 'GET',
    path: '/api/products/:pid',
    body: 'none',
    handle: (ctx, req) => ok(productInfo(ctx, productOf(ctx, req.params.pid))),
  },
  {
    method: 'POST',
    path: '/api/products/:pid/devices',
    body: 'json',
    handle: (ctx, req) => created(createDevices(ctx, productOf(ctx, req.params.pid).id, req.body, req.now)),
  },
  {
    method: 'GET',
    path: '/api/products/:pid/devices',
    body: 'none',
    handle(ctx, req) {
      const pid = productOf(ctx, req.params.pid).id;
      const { offset, limit } = parsePage(req.query);
      const all = ctx.state.devices.get(pid) ?? new Map();
      const devices = [];
      let i = 0;
      for (const d of all.values()) {
        if (i++ < offset) continue;
        if (devices.length >= limit) break;
        devices.push(deviceInfo(d));
      }
      return ok({ total: all.size, offset, limit, devices });
    },
  },
  {
    method: 'GET',
    path: '/api/products/:pid/devices/:name',
    body: 'none',
    handle(ctx, req) {
      const pid = productOf(ctx, req.params.pid).id;
      const d = ctx.state.device(pid, req.params.name ?? '');
      if (!d) throw notFound(`no device ${req.params.name} in product ${pid}`);
      const [f, s] = d.active;
      const detail: DeviceDetail = {
        ...deviceInfo(d),
        tasks: { fota: f ? taskInfo(f, d.name) : null, sota: s ? taskInfo(s, d.name) : null },
      };
      return ok(detail);
    },
  },
];
