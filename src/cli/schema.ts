/** `ota-fleet schema [--out FILE]`: the JSON Schema of scenario files, for editors. */
import { writeFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { renderScenarioJsonSchema } from '../scenario/json-schema.ts';

/** Where the schema goes. */
export interface SchemaOptions {
  /** Write the schema to this file rather than to stdout. */
  out?: string;
  /** Receives the output text (default: stdout). */
  write?: (text: string) => void;
}

/** Prints the scenario JSON Schema, or writes it to `out` and prints where. */
export async function writeScenarioSchema(options: SchemaOptions = {}): Promise<void> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const text = renderScenarioJsonSchema();
  if (options.out === undefined) {
    write(text);
    return;
  }
  await writeFile(options.out, text);
  write(`wrote ${options.out}\n`);
}

/** The yargs command module of `ota-fleet schema`. */
export const schemaCommand: CommandModule<object, { out?: string }> = {
  command: 'schema',
  describe: 'Print the JSON Schema of scenario files (scenario.schema.json)',
  builder: (y: Argv) =>
    y
      .option('out', { type: 'string', describe: 'Write the schema to this file instead of stdout' })
      .example('$0 schema --out scenario.schema.json', 'refresh the committed schema'),
  handler: async (args) => {
    await writeScenarioSchema(args.out === undefined ? {} : { out: args.out });
  },
};
