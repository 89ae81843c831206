/** Every command of the CLI, in the order `--help` lists them. */
import type { CommandModule } from 'yargs';
import { compareCommand } from './compare.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { schemaCommand } from './schema.ts';
import { serveCommand } from './serve.ts';
import { validateCommand } from './validate.ts';

// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
export const commands: CommandModule<any, any>[] = [
  runCommand,
  serveCommand,
  validateCommand,
  schemaCommand,
  reportCommand,
  compareCommand,
];
