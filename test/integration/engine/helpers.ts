/** Shared helpers of the engine integration tests: a silent logger and a scenario builder. */
import pino from 'pino';
import { type Scenario, type ScenarioInput, scenarioSchema } from '../../../src/scenario/schema.ts';

export const silentLog = pino({ level: 'silent' });

/** Builds a validated scenario from a partial input (defaults filled by the schema). */
export function scenario(input: Partial<ScenarioInput> & { fleet: ScenarioInput['fleet'] }): Scenario {
  return scenarioSchema.parse({ name: 'test', seed: 7, ...input });
}
