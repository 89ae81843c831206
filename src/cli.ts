#!/usr/bin/env node
/**
 * The ota-fleet entry: installs the Ctrl-C handlers FIRST, then loads the rest (yargs, the engine,
 * the server: ~0.4 s). A Ctrl-C while it loads is noted, and the run that follows stops at once and
 * still writes its partial report. Only two tiny modules are imported before the handlers are set.
 */
import { ExitCode } from './cli/exit-codes.ts';
import { noteInterrupt } from './cli/interrupt.ts';

function onSignal(signal: NodeJS.Signals): void {
  if (noteInterrupt(signal)) process.exit(ExitCode.INTERRUPTED);
}
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

import('./cli/main.ts').then(
  (m) => m.runCli(process.argv.slice(2)),
  (err: unknown) => {
    process.stderr.write(`ota-fleet: internal error: ${String(err)}\n`);
    process.exit(ExitCode.INTERNAL);
  },
);
