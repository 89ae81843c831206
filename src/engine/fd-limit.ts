/**
 * How many sockets a scenario can hold open at once, against this process's open-files limit
 * (20,000 here, shared by all worker threads, not raisable). A run that would exceed it is refused up
 * front with a clear message instead of failing with EMFILE mid-run.
 */
import { readFileSync } from 'node:fs';
import { OtaFleetError } from '../error-codes.ts';
import type { Scenario } from '../scenario/schema.ts';

/** Files the process needs besides device sockets (stdio, logs, worker plumbing, report files). */
export const FD_RESERVE = 256;

/** The soft open-files limit of this process (Infinity when unknown). */
export function openFilesLimit(): number {
  try {
    const text = readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(text);
    if (m && m[1] !== 'unlimited') return Number(m[1]);
  } catch {
    // not Linux: no limit we can read
  }
  return Number.POSITIVE_INFINITY;
}

/** Most sockets the scenario may hold open at once in one process running `devices` of its devices. */
export function socketsNeeded(s: Scenario, devices: number, workers: number): number {
  const concurrent =
    s.load.model === 'arrival-rate' && s.load.maxDevices ? Math.min(devices, s.load.maxDevices) : devices;
  return httpSockets(s, concurrent, workers) + mqttSockets(s, concurrent);
}

function httpSockets(s: Scenario, concurrent: number, workers: number): number {
  switch (s.connections.mode) {
    case 'shared':
      return Math.min(concurrent, Math.max(workers, s.connections.poolSize));
    case 'per-device':
    case 'per-request':
      return concurrent;
  }
}

/** One MQTT socket per push device (profile notify mqtt / both), by the push profiles' share of the weight. */
export function mqttSockets(s: Scenario, concurrent: number): number {
  if (s.target.url !== 'embedded' && !s.target.mqtt) return 0;
  const total = s.profiles.reduce((n, p) => n + p.weight, 0);
  const push = s.profiles.reduce((n, p) => n + (p.notify === 'poll' ? 0 : p.weight), 0);
  return total > 0 ? Math.ceil((concurrent * push) / total) : 0;
}

/** Throws ERR_FD_LIMIT, naming the limit and what to change, when the scenario cannot fit. */
export function assertFitsFdLimit(
  s: Scenario,
  devices: number,
  workers: number,
  limit = openFilesLimit(),
): void {
  const need = socketsNeeded(s, devices, workers);
  if (need + FD_RESERVE <= limit) return;
  throw new OtaFleetError(
    'ERR_FD_LIMIT',
    `this run would hold up to ${need} sockets open at once (connections.mode: ${s.connections.mode}, ${devices} devices` +
      `${mqttSockets(s, devices) > 0 ? `, ${mqttSockets(s, devices)} of them MQTT connections of push devices` : ''}), ` +
      `but one process may open at most ${limit} files (${FD_RESERVE} kept for the process itself). ` +
      `Lower fleet.count${s.load.model === 'arrival-rate' ? ' or load.maxDevices' : ''}, use connections.mode: shared, ` +
      'or split the fleet over processes with --processes N (or machines with --shard i/n).',
  );
}
