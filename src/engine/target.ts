/**
 * Prepares the target of a run. `embedded`: starts the reference OTA server in a child process on
 * 127.0.0.1:0 (so it does not share the simulator's event loop), seeds the product, the fleet and the
 * packages through the management API, and hands back the rollout player. A URL: checks that it answers.
 */
import { connect } from 'node:net';
import type { Logger } from 'pino';
import { OtaFleetError } from '../error-codes.ts';
import type { Scenario } from '../scenario/schema.ts';
import { createAdminClient } from '../server/api/admin-client.ts';
import { spawnOtaServer } from '../server/child.ts';
import type { TargetInfo } from './protocol.ts';
import { createRolloutPlayer, type RolloutPlayer } from './rollout.ts';

/** A target ready for devices. */
export interface PreparedTarget {
  info: TargetInfo;
  embedded: boolean;
  notes: string[];
  /** Starts the rollout script (embedded targets with a rollout only). */
  startRollout?: (startedAtMs: number) => RolloutPlayer;
  stop(): Promise<void>;
}

/** Options of prepareTarget. */
export interface PrepareOptions {
  log: Logger;
  /** Device keys from the scenario's CSV (URL targets with device-level tokens). */
  deviceKeys?: Record<string, string>;
  /** Play the rollout script on a `target.admin` server (false in shards other than shard 1). */
  playRollout?: boolean;
}

/** Resolves when host:port accepts a TCP connection; throws ERR_TARGET_UNREACHABLE otherwise. */
export async function assertReachable(url: URL, timeoutMs = 3000): Promise<void> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const host = url.hostname.replace(/^\[|\]$/g, '');
  await new Promise<void>((resolve, reject) => {
    const sock = connect({ host, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve();
    });
    const fail = (why: string) => {
      sock.destroy();
      reject(
        new OtaFleetError(
          'ERR_TARGET_UNREACHABLE',
          `target ${url.origin} did not accept a connection (${why})`,
        ),
      );
    };
    sock.once('timeout', () => fail(`no answer within ${timeoutMs} ms`));
    sock.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}

/** Prepares the scenario's target. */
export async function prepareTarget(s: Scenario, opts: PrepareOptions): Promise<PreparedTarget> {
  if (s.target.url !== 'embedded') {
    const url = new URL(s.target.url);
    await assertReachable(url);
    const info: TargetInfo = { origin: url.origin, productId: s.product.id ?? '' };
    if (s.target.host) info.host = s.target.host;
    if (s.product.accessKey) info.productKey = s.product.accessKey;
    if (opts.deviceKeys) info.deviceKeys = opts.deviceKeys;
    if (s.target.mqtt) info.mqttUrl = s.target.mqtt;
    const prepared: PreparedTarget = { info, embedded: false, notes: [], stop: async () => {} };
    if (s.rollout && s.target.admin && opts.playRollout !== false)
      await attachRemoteRollout(prepared, s, s.target.admin, opts.log);
    return prepared;
  }
  return prepareEmbedded(s, opts.log);
}

/**
 * The rollout script on a reachable `ota-fleet serve` (`target.admin`): each package of the script is
 * found by name in the product, or created with synthetic content; the player then runs as on the
 * embedded server. Throws ERR_TARGET_UNREACHABLE when the management API refuses.
 */
async function attachRemoteRollout(
  prepared: PreparedTarget,
  s: Scenario,
  adminTarget: { url?: string; token: string },
  root: Logger,
): Promise<void> {
  const rollout = s.rollout!;
  const admin = createAdminClient(adminTarget.url ?? s.target.url, adminTarget.token);
  const packages = new Map<string, number>();
  try {
    const productId = s.product.id ?? '';
    const existing = await admin.listPackages(productId);
    for (const p of rollout.packages) {
      const found = existing.find((e) => e.name === p.name);
      const pkg =
        found ??
        (await admin.createPackage(productId, {
          name: p.name,
          module: p.module,
          type: p.type,
          targetVersion: p.targetVersion,
          ...(p.fromVersion ? { fromVersion: p.fromVersion } : {}),
          ...(p.description ? { description: p.description } : {}),
          synthetic: { size: p.size, seed: s.seed },
        }));
      packages.set(p.name, pkg.id);
    }
  } catch (err) {
    await admin.close();
    throw new OtaFleetError(
      'ERR_TARGET_UNREACHABLE',
      `the management API at ${adminTarget.url ?? s.target.url} refused the rollout's packages: ${(err as Error).message}`,
    );
  }
  prepared.notes.push(
    `The rollout script was played against ${adminTarget.url ?? s.target.url} (target.admin).`,
  );
  prepared.startRollout = (startedAtMs) =>
    createRolloutPlayer({ admin, rollout, packages, startedAtMs, log: root, scenario: s });
  prepared.stop = async () => {
    await admin.close();
  };
}

/** True when some profile learns of tasks over MQTT (the embedded server then runs its broker). */
export function usesPush(s: Scenario): boolean {
  return s.profiles.some((p) => p.notify !== 'poll');
}

/** `root` is the run's logger without a module: the target logs as `target`, the rollout as `rollout`. */
async function prepareEmbedded(s: Scenario, root: Logger): Promise<PreparedTarget> {
  const log = root.child({ module: 'target' });
  let server: Awaited<ReturnType<typeof spawnOtaServer>>;
  try {
    server = await spawnOtaServer({
      dialect: s.target.dialect,
      noTaskErrno: s.target.noTaskErrno,
      seedDemo: false,
      ...(usesPush(s) ? { mqttPort: 0 } : {}),
    });
  } catch (err) {
    throw new OtaFleetError(
      'ERR_EMBEDDED_SERVER',
      `the embedded OTA server did not start: ${(err as Error).message}`,
    );
  }
  log.info({ url: server.url, mqttUrl: server.mqttUrl, serverPid: server.pid }, 'embedded server started');
  try {
    const admin = createAdminClient(server.url, server.adminToken);
    const product = await admin.createProduct({
      id: s.product.id ?? 'ota-fleet',
      ...(s.product.accessKey ? { accessKey: s.product.accessKey } : {}),
    });
    const device = s.product.tokenLevel === 'device';
    const created = await admin.createDevices(product.id, {
      namePattern: s.fleet.namePattern,
      count: s.fleet.count,
      versions: s.fleet.versions,
      seed: s.seed,
      returnDevices: device,
    });
    const info: TargetInfo = { origin: server.url, productId: product.id, productKey: product.accessKey };
    if (s.target.host) info.host = s.target.host;
    const mqttUrl = server.mqttUrl;
    if (mqttUrl) info.mqttUrl = mqttUrl;
    if (device) info.deviceKeys = Object.fromEntries(created.devices.map((d) => [d.name, d.key]));
    const packages = new Map<string, number>();
    for (const p of s.rollout?.packages ?? []) {
      const pkg = await admin.createPackage(product.id, {
        name: p.name,
        module: p.module,
        type: p.type,
        targetVersion: p.targetVersion,
        ...(p.fromVersion ? { fromVersion: p.fromVersion } : {}),
        ...(p.description ? { description: p.description } : {}),
        synthetic: { size: p.size, seed: s.seed },
      });
      packages.set(p.name, pkg.id);
    }
    log.info({ devices: created.created, packages: packages.size }, 'embedded target seeded');
    const prepared: PreparedTarget = {
      info,
      embedded: true,
      notes: [],
      stop: async () => {
        await server.stop();
        await admin.close();
      },
    };
    const rollout = s.rollout;
    if (rollout)
      prepared.startRollout = (startedAtMs) =>
        createRolloutPlayer({ admin, rollout, packages, startedAtMs, log: root, scenario: s });
    return prepared;
  } catch (err) {
    await server.stop();
    if (err instanceof OtaFleetError) throw err;
    throw new OtaFleetError(
      'ERR_EMBEDDED_SERVER',
      `seeding the embedded OTA server failed: ${(err as Error).message}`,
    );
  }
}
