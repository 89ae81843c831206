/**
 * Starts the piscina pool and one long task per worker, each with its own MessagePort for snapshots.
 * The worker file is resolved from this module's URL: `worker.ts` through tsx when running from
 * source (tsx, vitest), `worker.js` when compiled (PITFALLS).
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { MainMessage, WorkerDone, WorkerInit, WorkerMessage } from './protocol.ts';

/** The running workers of a run. */
export interface WorkerPool {
  /** Resolves when every worker task has ended, with their results (rejected tasks are errors). */
  done: Promise<PromiseSettledResult<WorkerDone>[]>;
  /** Tells every worker to stop; in-flight calls get `graceMs` to finish. */
  stop(graceMs: number): void;
  destroy(): Promise<void>;
}

/** The worker module's file URL and the execArgv it needs. */
export function workerEntry(): { filename: string; execArgv?: string[] } {
  const fromSource = import.meta.url.endsWith('.ts');
  const filename = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url).href;
  return fromSource ? { filename, execArgv: ['--import', 'tsx'] } : { filename };
}

/**
 * Starts `inits.length` workers; `onMessage` receives their snapshots on the main thread.
 * `youngGenerationMb` caps V8's young generation of each worker (see `youngGenerationFor`).
 */
export function startWorkers(
  inits: Omit<WorkerInit, 'port'>[],
  onMessage: (m: WorkerMessage) => void,
  options: { youngGenerationMb?: number } = {},
): WorkerPool {
  const entry = workerEntry();
  const pool = new Piscina({
    ...entry,
    minThreads: inits.length,
    maxThreads: inits.length,
    idleTimeout: 1000,
    ...(options.youngGenerationMb
      ? { resourceLimits: { maxYoungGenerationSizeMb: options.youngGenerationMb } }
      : {}),
    atomics: 'disabled',
    concurrentTasksPerWorker: 1,
  });
  const ports: MessagePort[] = [];
  const tasks = inits.map((init) => {
    const { port1, port2 } = new MessageChannel();
    let gotFinal: () => void = () => {};
    const final = new Promise<void>((r) => {
      gotFinal = r;
    });
    port1.on('message', (m: WorkerMessage) => {
      onMessage(m);
      if (m.type === 'final') gotFinal();
    });
    ports.push(port1);
    const task: WorkerInit = { ...init, port: port2 };
    const run = pool.run(task, { transferList: [port2] }) as Promise<WorkerDone>;
    // a worker that ended normally has sent its final snapshot; wait for it to arrive
    return run.then(async (r) => {
      await final;
      return r;
    });
  });
  const done = Promise.allSettled(tasks).then((r) => {
    for (const p of ports) p.close();
    return r;
  });
  return {
    done,
    stop(graceMs) {
      const m: MainMessage = { type: 'stop', graceMs };
      for (const p of ports) p.postMessage(m);
    },
    destroy: () => pool.destroy(),
  };
}

/** Devices per worker from which a smaller young generation pays off. */
export const LARGE_FLEET_PER_WORKER = 10_000;

/**
 * V8's default young generation (16 MiB semi-spaces) is sized for throughput; with tens of thousands of
 * mostly idle devices per thread it swells RSS by several KiB per device (measured: 10.5 → 3.2 KiB per
 * idle device at 20k). Large fleets get a small one; small, busy fleets keep V8's default.
 */
export function youngGenerationFor(devicesPerWorker: number): number | undefined {
  return devicesPerWorker >= LARGE_FLEET_PER_WORKER ? 8 : undefined;
}
