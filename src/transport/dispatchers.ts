/**
 * The three connection models of a worker (scenario `connections.mode`):
 * - `shared`: one keep-alive Pool per worker (most throughput);
 * - `per-device`: one keep-alive Client per device (as a device that keeps its socket);
 * - `per-request`: one Client per device whose requests each close their connection (NB-IoT style).
 * A Client per device is about twice as fast as one Pool of thousands of connections (PITFALLS).
 */
import { Client, type Dispatcher, Pool } from 'undici';

/** How one worker connects to the target. */
export interface DispatcherOptions {
  origin: string;
  mode: 'shared' | 'per-device' | 'per-request';
  poolSize: number;
  localAddresses?: readonly string[];
  connectTimeoutMs: number;
}

/** Hands each device its dispatcher and whether its requests must close the connection. */
export interface DispatcherSet {
  forDevice(index: number): Dispatcher;
  /** True when each request must send `Connection: close` (per-request mode). */
  readonly resetEachRequest: boolean;
  /** Closes the device's own client, if it has one (a device that left). */
  release(index: number): void;
  /** Closes gracefully: waits for requests in flight (in shared mode, Pool.close does). */
  close(): Promise<void>;
  /** The stop: destroys every dispatcher at once, failing whatever is still in flight. */
  destroy(): Promise<void>;
}

/** Creates the dispatchers of one worker. */
export function createDispatcherSet(opts: DispatcherOptions): DispatcherSet {
  const addrs = opts.localAddresses && opts.localAddresses.length > 0 ? opts.localAddresses : undefined;
  const common = {
    connectTimeout: opts.connectTimeoutMs,
    keepAliveTimeout: 60_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
  };
  if (opts.mode === 'shared') {
    const pools = (addrs ?? [undefined]).map(
      (localAddress) =>
        new Pool(opts.origin, {
          ...common,
          connections: Math.max(1, Math.ceil(opts.poolSize / (addrs?.length ?? 1))),
          ...(localAddress ? { localAddress } : {}),
        }),
    );
    return {
      resetEachRequest: false,
      forDevice: (index) => pools[index % pools.length]!,
      release: () => {},
      close: async () => {
        await Promise.all(pools.map((p) => p.close()));
      },
      destroy: async () => {
        await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
      },
    };
  }
  const clients = new Map<number, Client>();
  return {
    resetEachRequest: opts.mode === 'per-request',
    forDevice(index) {
      let c = clients.get(index);
      if (!c) {
        const localAddress = addrs?.[index % addrs.length];
        c = new Client(opts.origin, { ...common, ...(localAddress ? { localAddress } : {}) });
        clients.set(index, c);
      }
      return c;
    },
    release(index) {
      const c = clients.get(index);
      if (c) {
        clients.delete(index);
        c.close().catch(() => {});
      }
    },
    close: async () => {
      const all = [...clients.values()];
      clients.clear();
      await Promise.all(all.map((c) => c.destroy().catch(() => {})));
    },
    destroy() {
      return this.close();
    },
  };
}
