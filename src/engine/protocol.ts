/**
 * The typed protocol between the main thread and the piscina workers, in one place.
 * - main → worker, once: `WorkerInit` as the piscina task (with a MessagePort transferred);
 * - main → worker, on the port: `MainMessage` (stop);
 * - worker → main, on the port: `WorkerMessage` (a metrics snapshot every second; never per request);
 * - worker → main, at the end: `WorkerDone` as the task's result.
 * Everything is structured-cloneable; errors cross only as `{ code, message }`.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CodedError } from '../error-codes.ts';
import type { MetricsSnapshot } from '../metrics/snapshot.ts';
import type { Scenario } from '../scenario/schema.ts';

/** Where and as whom the devices of a run talk. */
export interface TargetInfo {
  origin: string;
  /** `Host` header to send, when it differs from the origin's. */
  host?: string;
  productId: string;
  productKey?: string;
  /** Device name → device key (base64), for device-level tokens. */
  deviceKeys?: Record<string, string>;
  /** The MQTT broker push devices connect to (`mqtt://host:port`), when the target has one. */
  mqttUrl?: string;
}

/** The task a worker runs: its slice of the fleet for the whole run. */
export interface WorkerInit {
  workerIndex: number;
  workerCount: number;
  scenario: Scenario;
  target: TargetInfo;
  /** Global device indexes (1-based) of this run (a shard may be a slice of the fleet). */
  first: number;
  last: number;
  /** `Date.now()` of the run's time zero; devices boot relative to it. */
  startEpochMs: number;
  snapshotIntervalMs: number;
  /** Use hdr-histogram-js WASM (faster) rather than its JS build. */
  wasm: boolean;
  /** Record nothing (the benchmark's "measuring off" case). */
  measure: boolean;
  /** The run's log level; at `debug` the worker logs each failed request as one line on stderr. */
  logLevel?: string;
  port: MessagePort;
}

/** main → worker messages. */
export type MainMessage = { type: 'stop'; graceMs: number };

/** worker → main messages. */
export type WorkerMessage =
  | { type: 'snapshot'; workerIndex: number; snapshot: MetricsSnapshot }
  /** A failure of the worker itself (a bug, never a server's reply): the run is marked partial. */
  | { type: 'error'; workerIndex: number; error: CodedError }
  /** The last snapshot, sent on the port so that it arrives after every periodic one. */
  | { type: 'final'; workerIndex: number; snapshot: MetricsSnapshot };

/** What a worker task resolves to (its metrics travel as the `final` message). */
export interface WorkerDone {
  workerIndex: number;
}
