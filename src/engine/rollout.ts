/**
 * Plays a scenario's rollout script against the embedded server's management API at the scripted times
 * (verification, batches, cancels), and tells the run loop when every batch has settled.
 */
import type { Logger } from 'pino';
import type { RolloutBatch } from '../metrics/run-summary.ts';
import type { Scenario } from '../scenario/schema.ts';
import type { AdminClient } from '../server/api/admin-client.ts';
import type { BatchInfo } from '../server/api/types.ts';

type Rollout = NonNullable<Scenario['rollout']>;

/** Options of the player. */
export interface RolloutOptions {
  admin: AdminClient;
  rollout: Rollout;
  scenario: Scenario;
  /** Package name → server package id. */
  packages: Map<string, number>;
  startedAtMs: number;
  log: Logger;
}

/** The running rollout script. */
export interface RolloutPlayer {
  /** True once every step ran and no batch has a task left to finish. */
  settled(): Promise<boolean>;
  /** Stops the script and reads every batch's final state from the server. */
  finish(): Promise<{ targeted: number; batches: RolloutBatch[] }>;
  readonly notes: string[];
}

const ACTIVE = ['pending', 'downloading', 'upgrading', 'retrying'] as const;

function isSettled(b: BatchInfo): boolean {
  if (b.status === 'scheduled') return false;
  return ACTIVE.every((k) => b.counts[k] === 0);
}

/** Starts playing the script; steps run in order, each at startedAtMs + at. */
export function createRolloutPlayer(o: RolloutOptions): RolloutPlayer {
  const log = o.log.child({ module: 'rollout' });
  const notes: string[] = [];
  const batches = new Map<string, number>();
  const verificationIds: number[] = [];
  let stopped = false;
  let stepsDone = false;
  let lastCheck = 0;
  let lastSettled = false;
  let lastInfos: BatchInfo[] = [];
  const verify = o.rollout.verification;

  const sleepUntil = async (at: number) => {
    while (!stopped && Date.now() < at)
      await new Promise((r) => setTimeout(r, Math.min(250, at - Date.now())));
  };

  const waitVerified = async (packageId: number, name: string) => {
    if (verify === 'skip') return;
    const t0 = Date.now();
    while (!stopped) {
      const pkg = await o.admin.getPackage(packageId);
      if (pkg.verified) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const waited = Date.now() - t0;
    if (waited > 1000)
      notes.push(
        `batch of package ${name} waited ${Math.round(waited / 1000)}s for its verification upgrade`,
      );
  };

  const play = async () => {
    if (verify !== 'skip') {
      for (const id of o.packages.values()) {
        const r = await o.admin.verifyPackage(id, { device: verify.device });
        if (r.batch) verificationIds.push(r.batch.id);
      }
    }
    const steps = [...o.rollout.steps].sort((a, b) => a.at - b.at);
    for (const step of steps) {
      await sleepUntil(o.startedAtMs + step.at);
      if (stopped) return;
      try {
        if ('batch' in step) {
          const b = step.batch;
          const packageId = o.packages.get(b.package)!;
          await waitVerified(packageId, b.package);
          const info = await o.admin.createBatch(packageId, {
            ...(b.name ? { name: b.name } : {}),
            fromVersion: b.fromVersion === 'never-reported' ? null : b.fromVersion,
            ...(b.devices ? { devices: b.devices } : {}),
            ...(b.startAt !== undefined ? { startAt: o.startedAtMs + b.startAt } : {}),
            timeoutSec: b.timeout / 1000,
            ...(b.retry ? { retry: { count: b.retry.count, intervalSec: b.retry.interval / 1000 } } : {}),
            skipVerification: verify === 'skip',
            ...(b.notify ? { notify: b.notify } : {}),
          });
          batches.set(b.name ?? `batch-${batches.size + 1}`, info.id);
          log.info({ batch: info.name, targeted: info.targeted, status: info.status }, 'batch created');
        } else if ('cancel' in step) {
          const id = batches.get(step.cancel.batch);
          if (id === undefined) notes.push(`cancel of unknown batch ${step.cancel.batch} skipped`);
          else await o.admin.cancelBatch(id, { scope: step.cancel.scope });
          log.info({ batch: step.cancel.batch }, 'batch cancelled');
        } else {
          const id = batches.get(step.cancelDevice.batch);
          const tasks =
            id === undefined
              ? []
              : (await o.admin.listTasks(id, { device: step.cancelDevice.device, limit: 10 })).tasks;
          const task = tasks.find((t) => t.device === step.cancelDevice.device);
          if (task) await o.admin.cancelTask(task.tid);
          else
            notes.push(
              `cancel of ${step.cancelDevice.device} in ${step.cancelDevice.batch} skipped: no such task`,
            );
        }
      } catch (err) {
        notes.push(`rollout step at ${step.at}ms failed: ${(err as Error).message}`);
        log.warn({ err: (err as Error).message, at: step.at }, 'rollout step failed');
      }
    }
    stepsDone = true;
  };
  const playing = play().catch((err: Error) => {
    notes.push(`rollout script stopped: ${err.message}`);
    stepsDone = true;
  });

  const allBatchIds = () => [...verificationIds, ...batches.values()];

  return {
    notes,
    async settled() {
      if (!stepsDone) return false;
      if (Date.now() - lastCheck < 1000) return lastSettled;
      lastCheck = Date.now();
      try {
        const infos = await Promise.all(allBatchIds().map((id) => o.admin.getBatch(id)));
        lastInfos = infos;
        lastSettled = infos.every(isSettled);
      } catch {
        lastSettled = false;
      }
      return lastSettled;
    },
    async finish() {
      stopped = true;
      await playing;
      const names = new Map([...batches].map(([name, id]) => [id, name]));
      let infos: BatchInfo[];
      try {
        infos = await Promise.all(allBatchIds().map((id) => o.admin.getBatch(id)));
      } catch (err) {
        // the server is gone (killed, crashed): report what was last read rather than lose the run
        infos = lastInfos;
        notes.push(
          `could not read the final batch state from the server (${(err as Error).message}); batches as last seen`,
        );
      }
      return {
        targeted: infos.reduce((s, b) => s + b.targeted, 0),
        batches: infos.map((b) => ({
          name: names.get(b.id) ?? b.name,
          id: String(b.id),
          status: b.status,
          targeted: b.targeted,
          counts: { ...b.counts },
        })),
      };
    },
  };
}
