#!/usr/bin/env node
/**
 * The ota-fleet command line: thin yargs commands, each calling one exported function. The only
 * place that reads argv and calls process.exit; exit codes come from src/cli/exit-codes.ts.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './cli/commands.ts';
import { EXIT_CODE_HELP, ExitCode, exitCodeFor, getOutcome } from './cli/exit-codes.ts';
import { noteInterrupt } from './cli/interrupt.ts';
import { errorCodeOf } from './error-codes.ts';

function onSignal(signal: NodeJS.Signals): void {
  if (noteInterrupt(signal)) process.exit(ExitCode.INTERRUPTED);
}

async function main(argv: string[]): Promise<number> {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let usageError: string | undefined;
  const cli = yargs(argv)
    .scriptName('ota-fleet')
    .usage('$0 <command> [options]\n\nFleet device simulator and load tester for OneNET Studio OTA servers.')
    .command(commands)
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
  return getOutcome();
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
    // Give stdout a chance to flush, then leave even if a stray handle is still open.
    setTimeout(() => process.exit(code), 50).unref();
  },
  (err) => {
    process.stderr.write(`ota-fleet: internal error: ${String(err)}\n`);
    process.exit(ExitCode.INTERNAL);
  },
);
