import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderScenarioJsonSchema, scenarioJsonSchema } from '../../../src/scenario/json-schema.ts';

const REGENERATE = 'regenerate it: npx tsx src/cli.ts schema --out scenario.schema.json';

interface JsonSchemaNode {
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  anyOf?: JsonSchemaNode[];
  oneOf?: JsonSchemaNode[];
  additionalProperties?: JsonSchemaNode | boolean;
}

/** Every property name anywhere in the schema. */
function propertyNames(node: JsonSchemaNode, out = new Set<string>()): Set<string> {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    out.add(key);
    propertyNames(child, out);
  }
  for (const child of [node.items, ...(node.anyOf ?? []), ...(node.oneOf ?? [])])
    if (child) propertyNames(child, out);
  if (typeof node.additionalProperties === 'object') propertyNames(node.additionalProperties, out);
  return out;
}

describe('scenario JSON Schema', () => {
  it('committed scenario.schema.json is the current schema', () => {
    const committed = JSON.parse(readFileSync('scenario.schema.json', 'utf8')) as unknown;
    expect(committed, REGENERATE).toEqual(scenarioJsonSchema());
  });

  it('committed scenario.schema.json is byte for byte what `ota-fleet schema` writes', () => {
    expect(readFileSync('scenario.schema.json', 'utf8'), REGENERATE).toBe(renderScenarioJsonSchema());
  });

  it('declares its draft and title, is strict, and shows defaults in units', () => {
    const s = scenarioJsonSchema() as {
      $schema: string;
      title: string;
      required: string[];
      additionalProperties: boolean;
      properties: { stop: { properties: { duration: { default: unknown } } } };
    };
    expect(s.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(s.title).toBe('ota-fleet scenario');
    expect(s.required).toEqual(['name', 'fleet']);
    expect(s.additionalProperties).toBe(false);
    expect(s.properties.stop.properties.duration.default).toBe('60s');
  });

  it('every key it knows is explained in docs/scenarios.md', () => {
    const docs = readFileSync('docs/scenarios.md', 'utf8');
    // Documented as `key` or under its parent, as in `boot.over` or `phases[].rate`.
    const documented = (k: string) => new RegExp(`\`(?:[^\`\\s]*\\.)?${k.replace('$', '\\$')}\``).test(docs);
    const undocumented = [...propertyNames(scenarioJsonSchema() as JsonSchemaNode)].filter(
      (k) => !documented(k),
    );
    expect(undocumented).toEqual([]);
  });
});
