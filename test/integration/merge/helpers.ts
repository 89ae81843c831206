/** Shared helpers of the merge integration tests: a small rollout scenario and a silent logger. */
import pino from 'pino';
import { stringify } from 'yaml';
import { type Scenario, type ScenarioInput, scenarioSchema } from '../../../src/scenario/schema.ts';

export const silentLog = pino({ level: 'silent' });

/**
 * 20 devices on the embedded server take one 64 KiB package in 16 KiB chunks and install it in 1 s
 * (the install dominates their upgrade duration, so it varies little between runs on a busy machine);
 * no faults, so each device makes the same report-version, download and report-status calls in any run.
 */
export const SMALL_ROLLOUT: ScenarioInput = {
  name: 'merge-small',
  seed: 11,
  target: { url: 'embedded' },
  fleet: { count: 20, versions: { f_version: { 'V1.0': 1 } }, boot: { over: '300ms' } },
  profiles: [{ name: 'steady', pollInterval: '300ms', installTime: '1s', download: { chunkSize: '16KiB' } }],
  rollout: {
    packages: [{ name: 'fw', targetVersion: 'V2.0', size: '64KiB' }],
    steps: [{ at: '300ms', batch: { name: 'all', package: 'fw', fromVersion: 'V1.0' } }],
  },
  stop: { duration: '5s', whenSettled: true },
};

/** The validated scenario of `input` (defaults filled by the schema). */
export function scenarioOf(input: ScenarioInput): Scenario {
  return scenarioSchema.parse(input);
}

/** The scenario as a YAML file text, for the CLI. */
export function scenarioYaml(input: ScenarioInput): string {
  return stringify(input);
}
