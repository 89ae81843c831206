/**
 * The ota-fleet command line behind src/cli.ts: thin yargs commands, each calling one exported
 * function. Each command's handler returns its exit code (or throws an error whose code maps to one);
 * `runCli` reads it once and is the only place that calls process.exit.
 */
import yargs, { type CommandModule } from 'yargs';
import { errorCodeOf, OtaFleetError } from '../error-codes.ts';
import type { Command } from './command.ts';
import { commands } from './commands.ts';
import { EXIT_CODE_HELP, ExitCode, type ExitCodeValue, exitCodeFor } from './exit-codes.ts';
import { unknownFlagMessage } from './suggest.ts';

/** Parses `argv` (without node and the script), runs the command, and returns its exit code. */
export async function main(argv: string[]): Promise<ExitCodeValue> {
  let usageError: string | undefined;
  let outcome: ExitCodeValue = ExitCode.OK;
  // each handler's return value is the command's exit code
  // biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types
  const withOutcome = (c: Command): CommandModule<any, any> => ({
    ...c,
    handler: async (args) => {
      const code = await c.handler(args);
      if (typeof code === 'number') outcome = code;
    },
  });
  const cli = yargs(argv)
    .scriptName('ota-fleet')
    .usage('$0 <command> [options]\n\nFleet device simulator and load tester for OneNET Studio OTA servers.')
    .command(commands.map(withOutcome))
    .demandCommand(1, 'Name a command (see the list above).')
    .strict()
    .recommendCommands()
    .epilogue(
      `Exit codes:\n${EXIT_CODE_HELP}\n\nDocs: README.md, docs/scenarios.md, docs/server.md, docs/report.md`,
    )
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err, y) => {
      if (err) throw err;
      usageError = msg;
      // at this point the yargs instance holds the options of the command being parsed
      const known = (cli as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key;
      const unknown = unknownFlagMessage(msg, argv, Object.keys(known));
      // thrown, so that yargs runs no handler; printed by the catch below, exit 2
      if (unknown !== undefined) throw new OtaFleetError('ERR_USAGE', unknown);
      y.showHelp();
      process.stderr.write(`\n${msg}\n`);
    });
  try {
    await cli.parseAsync();
  } catch (err) {
    const code = errorCodeOf(err);
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`ota-fleet: ${code === 'ERR_INTERNAL' ? '' : `${code}: `}${message}\n`);
    if (code === 'ERR_INTERNAL' && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCodeFor(code);
  }
  if (usageError !== undefined) return ExitCode.USAGE;
  return outcome;
}

/** Runs the CLI and exits with its code, once stdout had a chance to flush. */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => {
      process.exitCode = code;
      // leave even if a stray handle is still open
      setTimeout(() => process.exit(code), 50).unref();
    },
    (err) => {
      process.stderr.write(`ota-fleet: internal error: ${String(err)}\n`);
      process.exit(ExitCode.INTERNAL);
    },
  );
}
