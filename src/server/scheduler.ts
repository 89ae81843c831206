/**
 * The clock of the server, ticking every `tickMs`: starts scheduled batches when due, fails tasks whose
 * device-upgrade timeout expired (DECISION: counted from when the batch created the task, and from the
 * restart of each retry), puts failed tasks with retries left back to pending after the retry interval,
 * and marks running batches completed once none of their tasks can move.
 */
import { startBatch } from './batches.ts';
import type { ServerContext } from './context.ts';

/** One pass over everything that is due at `now`; returns how many records changed. */
export function runDue(ctx: ServerContext, now: number): number {
  const { state } = ctx;
  let changed = 0;
  state.store.transaction(() => {
    for (const batch of state.batches.values()) {
      if (batch.status === 'scheduled' && batch.startAt <= now) {
        startBatch(ctx, batch, now);
        changed++;
      }
    }
    for (const id of state.store.dueDeadlines(now)) {
      const task = state.liveTasks.get(id);
      if (!task) continue;
      state.fail(task, 'timeout', now);
      changed++;
    }
    for (const id of state.store.dueRetries(now)) {
      const task = state.liveTasks.get(id);
      if (!task) continue;
      state.retry(task, now);
      if (state.batches.get(task.batchId)?.notifyMqtt) ctx.informer.inform([task]);
      changed++;
    }
    for (const batch of state.batches.values()) {
      if (batch.status === 'running' && state.liveCount(batch.id) === 0) {
        batch.status = 'completed';
        batch.finishedAt = now;
        state.saveBatch(batch);
        changed++;
      }
    }
  });
  return changed;
}

/** A running scheduler. */
export interface Scheduler {
  stop(): void;
}

/** Starts ticking (the timer does not keep the process alive). */
export function startScheduler(ctx: ServerContext): Scheduler {
  const timer = setInterval(() => {
    if (ctx.closed()) return;
    try {
      const changed = runDue(ctx, Date.now());
      if (changed > 0) ctx.log.debug({ changed }, 'scheduler tick');
    } catch (err) {
      ctx.log.error({ err }, 'scheduler tick failed');
    }
  }, ctx.options.tickMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
