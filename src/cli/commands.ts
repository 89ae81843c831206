/** Every command of the CLI, in the order `--help` lists them. */
import type { Command } from './command.ts';
import { compareCommand } from './compare.ts';
import { kubernetesCommand } from './kubernetes.ts';
import { reportCommand } from './report.ts';
import { runCommand } from './run.ts';
import { schemaCommand } from './schema.ts';
import { serveCommand } from './serve.ts';
import { validateCommand } from './validate.ts';

export const commands: Command[] = [
  runCommand,
  serveCommand,
  validateCommand,
  schemaCommand,
  reportCommand,
  compareCommand,
  kubernetesCommand,
];
