/**
 * Resource requests of one shard pod, sized from the tool's measured cost per device. Pure: the CLI
 * passes the scenario and the shard's device count; nothing here reads the machine.
 */
import type { Scenario } from '../scenario/schema.ts';

/**
 * Measured cost of the generator (Node 20.20, 1 worker thread, `connections.mode: per-device`, poll
 * every 5 s, embedded target), with `/usr/bin/time -f '%M KB %U %S' node dist/cli.js run m<N>.yaml
 * --workers 1 --quiet` on 500 and 4,000 devices for 20 s (2026-12-04, docs/distributed.md "Sizing"):
 * 500 devices 163,388 KiB max RSS, 5.42 s CPU, 2,617 requests; 4,000 devices 292,308 KiB, 8.58 s CPU,
 * 17,449 requests. Per-device and per-request figures are the slopes between the two runs; the CPU
 * includes the embedded server's (its child process), so it is an upper bound for the generator.
 */
export const MEASURED_COST = {
  /** Resident memory of a process with no devices (Node, worker thread, WASM histograms), MiB. */
  baseMemoryMiB: 142,
  /** Resident memory per device (its state, its keep-alive socket and buffers), KiB. */
  memoryPerDeviceKiB: 37,
  /** CPU per request (check + report-version + download + report-status alike), millicore-seconds. */
  cpuMilliPerRequest: 0.22,
  /** CPU a 20 s run takes besides its requests (start-up, timers, snapshots), averaged, millicores. */
  baseCpuMilli: 220,
} as const;

/** Headroom on every measured figure (the machine varies ±30% from run to run). */
export const HEADROOM = 1.5;

/** The resources one shard pod asks for, and why. */
export interface ShardSizing {
  devices: number;
  /** Requests per second the shard makes at its steady state (every device polling once per interval). */
  requestsPerSecond: number;
  /** Most sockets the shard holds open at once. */
  sockets: number;
  /** Kubernetes quantities. */
  requests: { cpu: string; memory: string };
  limits: { memory: string };
}

function sockets(s: Scenario, devices: number): number {
  const concurrent =
    s.load.model === 'arrival-rate' && s.load.maxDevices ? Math.min(devices, s.load.maxDevices) : devices;
  if (s.connections.mode === 'shared') return Math.min(concurrent, s.connections.poolSize);
  return concurrent;
}

function requestsPerSecond(s: Scenario, devices: number): number {
  if (s.load.model === 'arrival-rate') {
    const peak = Math.max(...s.load.phases.map((p) => Math.max(p.rate, p.rampTo ?? 0)));
    return peak;
  }
  const fastest = Math.min(...s.profiles.map((p) => p.pollInterval));
  return devices / Math.max(0.001, fastest / 1000);
}

/** Sizes one shard pod running `devices` devices of scenario `s` (requests = measured × HEADROOM). */
export function sizeShard(s: Scenario, devices: number): ShardSizing {
  const c = MEASURED_COST;
  const rps = requestsPerSecond(s, devices);
  const memMiB = Math.ceil((c.baseMemoryMiB + (devices * c.memoryPerDeviceKiB) / 1024) * HEADROOM);
  const cpuMilli = Math.ceil((c.baseCpuMilli + rps * c.cpuMilliPerRequest) * HEADROOM);
  return {
    devices,
    requestsPerSecond: Math.round(rps),
    sockets: sockets(s, devices),
    requests: { cpu: `${Math.max(100, Math.ceil(cpuMilli / 50) * 50)}m`, memory: `${memMiB}Mi` },
    // memory is the one resource a shard cannot borrow: twice the request before the OOM killer
    limits: { memory: `${memMiB * 2}Mi` },
  };
}
