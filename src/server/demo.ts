/** The demo data of `--seed-demo`: product `demo`, 100 devices at V1.0, a verified 256 KiB package. */
import { ModuleType, PackageType } from '../ota/codes.ts';
import { createProduct, newKey } from './api/fleet.ts';
import type { ServerContext } from './context.ts';
import { md5Hex, syntheticPackageBytes } from './store/content.ts';

/** What the demo seed created (or found from an earlier run). */
export interface DemoInfo {
  productId: string;
  accessKey: string;
  devices: number;
  packageId: number;
}

export const DEMO_PRODUCT = 'demo';
/** The version every demo device starts at (f_version and s_version). */
export const DEMO_START_VERSION = 'V1.0';
const DEMO_SIZE = 256 * 1024;

/** Creates the demo data unless product `demo` already exists; returns what is there. */
export function seedDemo(ctx: ServerContext, now: number): DemoInfo {
  const { state } = ctx;
  if (!state.products.has(DEMO_PRODUCT)) {
    createProduct(ctx, { id: DEMO_PRODUCT, name: 'Demo product' }, now);
    const devices = Array.from({ length: 100 }, (_, i) => ({
      name: `dev-${String(i + 1).padStart(3, '0')}`,
      key: newKey(),
      fVersion: DEMO_START_VERSION,
      sVersion: DEMO_START_VERSION,
    }));
    state.addDevices(DEMO_PRODUCT, devices, now);
    const bytes = syntheticPackageBytes(DEMO_SIZE, 1);
    state.addPackage(
      {
        pid: DEMO_PRODUCT,
        name: 'demo-fw',
        module: ModuleType.FOTA,
        type: PackageType.FULL,
        targetVersion: 'V1.1',
        fromVersion: null,
        description: 'demo firmware (synthetic)',
        fileName: 'demo-fw.bin',
        size: DEMO_SIZE,
        md5: md5Hex(bytes),
        syntheticSeed: 1,
        verified: true,
        createdAt: now,
      },
      null,
    );
  }
  const product = state.products.get(DEMO_PRODUCT)!;
  const pkg = [...state.packages.values()].find((p) => p.pid === DEMO_PRODUCT);
  return {
    productId: product.id,
    accessKey: product.accessKey,
    devices: state.devices.get(DEMO_PRODUCT)?.size ?? 0,
    packageId: pkg?.id ?? 0,
  };
}

/** What a demo reset removed and reset. */
export interface DemoReset {
  batches: number;
  tasks: number;
  devices: number;
}

/**
 * Puts the demo fleet back to its start so a rehearsal can run again: every batch of the demo
 * product's packages and their tasks removed, every demo device back to V1.0. Undefined when there is
 * no demo product.
 */
export function resetDemo(ctx: ServerContext): DemoReset | undefined {
  if (!ctx.state.products.has(DEMO_PRODUCT)) return undefined;
  const reset = ctx.state.resetProduct(DEMO_PRODUCT, DEMO_START_VERSION);
  ctx.log.info(reset, 'demo fleet reset');
  return reset;
}
