/** What the request handlers share: state, options, caches, counters and the closing flag. */
import type { Logger } from 'pino';
import type { Authenticator } from './auth.ts';
import type { ResolvedServerOptions } from './config.ts';
import type { FaultInjector } from './faults.ts';
import type { ServerStats } from './stats.ts';
import type { ContentCache } from './store/content.ts';
import type { OtaState } from './store/state.ts';

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
}
