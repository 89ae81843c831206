/**
 * The JSON Schema of a scenario file as written (durations and sizes in units), for editors:
 * `scenario.schema.json` at the repo root is this, committed, and a test keeps it from going stale.
 */
import { z } from 'zod';
import { scenarioSchema } from './schema.ts';

/** A JSON value. */
type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** The JSON Schema (draft 2020-12) of a scenario file, with title and descriptions. */
export function scenarioJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(scenarioSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    $schema,
    title: 'ota-fleet scenario',
    description:
      'A run of ota-fleet: the target, the product, the fleet of virtual devices, their behaviour profiles, ' +
      'the load model and the rollout script. Reference: docs/scenarios.md.',
    ...rest,
  };
}

const WIDTH = 110;

/** JSON with 2-space indents in the layout Biome gives it: objects expanded, short primitive arrays on one line. */
function stringify(value: Json, indent: string, used: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    const flat = value.every((v) => v === null || typeof v !== 'object');
    const oneLine = `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    if (flat && used + oneLine.length + 1 <= WIDTH) return oneLine;
    return `[\n${value.map((v) => inner + stringify(v, inner, inner.length)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([k, v]) => {
    const head = `${inner}${JSON.stringify(k)}: `;
    return head + stringify(v, inner, head.length);
  });
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

/** The text of `scenario.schema.json`: the schema as Biome formats it, with a final newline. */
export function renderScenarioJsonSchema(): string {
  return `${stringify(scenarioJsonSchema() as Json, '', 0)}\n`;
}
