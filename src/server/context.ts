/** What the request handlers share: state, options, caches, counters and the closing flag. */
import type { Logger } from 'pino';
import type { Authenticator } from './auth.ts';
import type { ResolvedServerOptions } from './config.ts';
import type { FaultInjector } from './faults.ts';
import type { ServerStats } from './stats.ts';
import type { ContentCache } from './store/content.ts';
import type { TaskRecord } from './store/records.ts';
import type { OtaState } from './store/state.ts';

/** The MQTT push of the server as the batches see it (a no-op without a broker). */
export interface Informer {
  /** True when the server runs its MQTT broker (`mqttPort` set). */
  readonly enabled: boolean;
  /** The broker's URL, `mqtt://127.0.0.1:PORT`, when enabled. */
  readonly url: string | undefined;
  /** Publishes `ota/inform` to the devices of these tasks that are connected now; counts each one sent. */
  inform(tasks: readonly TaskRecord[]): void;
}

/** Handler context of one running server. */
export interface ServerContext {
  state: OtaState;
  options: ResolvedServerOptions;
  adminToken: string;
  auth: Authenticator;
  content: ContentCache;
  faults: FaultInjector;
  stats: ServerStats;
  log: Logger;
  /** Runs `fn` after `ms` unless the server closes first (timers are cleared on close). */
  later(ms: number, fn: () => void): void;
  /** True once close() has begun; late callbacks must not touch the database. */
  closed(): boolean;
  /** Starts a batch's HTTP push (fire and forget); set by the server. */
  notify(batchId: number, dids: string[]): void;
  /** The MQTT push (set by the server when it runs the broker). */
  informer: Informer;
}
