/**
 * Batches (console "upgrade tasks"): creation, start (device tasks are created at the start time for
 * the devices whose recorded version equals the from-version), verification upgrades, cancel by batch
 * and by device. Called by the management API and the scheduler.
 */
import { PackageType, TaskStatus } from '../ota/codes.ts';
import type { CreateBatchInput } from './api/types.ts';
import { badRequest, conflict } from './api/views.ts';
import type { ServerContext } from './context.ts';
import type { BatchRecord, PackageRecord, TaskRecord } from './store/records.ts';
import { type DeviceState, moduleVersion } from './store/state.ts';

const DEFAULT_TIMEOUT_SEC = 600;

function launch(
  ctx: ServerContext,
  batch: BatchRecord,
  pkg: PackageRecord,
  targets: DeviceState[],
  now: number,
) {
  const tasks = ctx.state.store.transaction(() => {
    const added = ctx.state.addTasks(batch, pkg, targets, now);
    batch.targeted = targets.length;
    batch.startedAt = now;
    batch.status = targets.length === 0 ? 'completed' : 'running';
    if (targets.length === 0) batch.finishedAt = now;
    if (batch.notifyUrl !== null) batch.push = 'pending';
    ctx.state.saveBatch(batch);
    return added;
  });
  ctx.log.info(
    { batch: batch.id, kind: batch.kind, targeted: batch.targeted, skipped: batch.skipped },
    'batch started',
  );
  if (batch.notifyUrl !== null)
    ctx.notify(
      batch.id,
      targets.map((d) => d.name),
    );
  if (batch.notifyMqtt) ctx.informer.inform(tasks);
}

/** Starts a batch now: creates a pending task for each eligible device in one transaction. */
export function startBatch(ctx: ServerContext, batch: BatchRecord, now: number): void {
  const pkg = ctx.state.packages.get(batch.packageId);
  if (!pkg) return;
  const byName = ctx.state.devices.get(pkg.pid) ?? new Map<string, DeviceState>();
  const candidates = batch.devices
    ? batch.devices.map((n) => byName.get(n)).filter((d): d is DeviceState => d !== undefined)
    : byName.values();
  const targets: DeviceState[] = [];
  let skipped = 0;
  for (const d of candidates) {
    if (moduleVersion(d, pkg.module) !== batch.fromVersion) {
      if (batch.devices) skipped++;
    } else if (d.active[pkg.module - 1]) skipped++;
    else targets.push(d);
  }
  batch.skipped = skipped;
  launch(ctx, batch, pkg, targets, now);
}

/** Creates a batch of a package from a validated body; starts it now unless `startAt` is later. */
export function createBatch(ctx: ServerContext, pkg: PackageRecord, input: CreateBatchInput, now: number) {
  if (!pkg.verified && input.skipVerification !== true) {
    throw conflict(`package ${pkg.id} is not verified: verify it first or set skipVerification`);
  }
  if (pkg.type === PackageType.DIFF && input.fromVersion !== pkg.fromVersion) {
    throw badRequest(`differential package ${pkg.id} applies only to devices of version ${pkg.fromVersion}`);
  }
  if (input.devices) {
    const byName = ctx.state.devices.get(pkg.pid);
    const unknown = input.devices.filter((n) => !byName?.has(n));
    if (unknown.length > 0) throw badRequest(`unknown devices: ${unknown.slice(0, 5).join(', ')}`);
  }
  if (input.notify?.mqtt === true && !ctx.informer.enabled) {
    throw conflict('notify.mqtt needs the MQTT broker: start the server with --mqtt-port');
  }
  const startAt = input.startAt !== undefined && input.startAt > now ? input.startAt : now;
  const batch = ctx.state.addBatch({
    packageId: pkg.id,
    name: input.name ?? `batch-${now}`,
    kind: 'batch',
    fromVersion: input.fromVersion,
    devices: input.devices ? [...new Set(input.devices)] : null,
    startAt,
    timeoutMs: Math.round((input.timeoutSec ?? DEFAULT_TIMEOUT_SEC) * 1000),
    retryCount: input.retry?.count ?? 0,
    retryIntervalMs: Math.round((input.retry?.intervalSec ?? 0) * 1000),
    notifyUrl: input.notify?.url ?? input.notifyUrl ?? null,
    notifyMqtt: input.notify?.mqtt === true,
    status: 'scheduled',
    targeted: 0,
    skipped: 0,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    push: null,
  });
  if (startAt <= now) startBatch(ctx, batch, now);
  return batch;
}

/** Creates and starts the one-device verification upgrade of a package. */
export function startVerification(
  ctx: ServerContext,
  pkg: PackageRecord,
  device: DeviceState,
  timeoutSec: number,
  now: number,
) {
  if (device.active[pkg.module - 1])
    throw conflict(`device ${device.name} already has a live task of this module`);
  const batch = ctx.state.addBatch({
    packageId: pkg.id,
    name: `verify-${pkg.name}`,
    kind: 'verification',
    fromVersion: moduleVersion(device, pkg.module),
    devices: [device.name],
    startAt: now,
    timeoutMs: Math.round(timeoutSec * 1000),
    retryCount: 0,
    retryIntervalMs: 0,
    notifyUrl: null,
    notifyMqtt: false,
    status: 'scheduled',
    targeted: 0,
    skipped: 0,
    createdAt: now,
    startedAt: null,
    finishedAt: null,
    push: null,
  });
  launch(ctx, batch, pkg, [device], now);
  return { batch, task: device.active[pkg.module - 1] };
}

/** Cancels a batch: `scheduled` only one not started yet; `all` also every live task of it. */
export function cancelBatch(
  ctx: ServerContext,
  batch: BatchRecord,
  scope: 'all' | 'scheduled',
  now: number,
): void {
  if (scope === 'scheduled' && batch.status !== 'scheduled') {
    throw conflict(`batch ${batch.id} is ${batch.status}, not scheduled`);
  }
  if (batch.status === 'completed' || batch.status === 'cancelled') {
    throw conflict(`batch ${batch.id} is already ${batch.status}`);
  }
  ctx.state.store.transaction(() => {
    batch.status = 'cancelled';
    batch.finishedAt = now;
    ctx.state.saveBatch(batch);
    const live = [...ctx.state.liveTasks.values()].filter((t) => t.batchId === batch.id);
    for (const t of live) ctx.state.cancel(t, 'cancelled by batch', now);
  });
}

/** True for a task that can still move (live, or failed and waiting for a retry). */
export function isLive(t: TaskRecord): boolean {
  return t.status <= TaskStatus.UPGRADING || t.retryAt !== null;
}

/** Cancels one device's task. */
export function cancelTask(ctx: ServerContext, task: TaskRecord, now: number): void {
  if (!isLive(task)) throw conflict(`task ${task.id} is already finished`);
  ctx.state.cancel(task, 'cancelled by device', now);
}
