/**
 * Ctrl-C handling shared by long commands: the first SIGINT/SIGTERM aborts `interruptSignal` (the run
 * stops and writes a partial report); a second one forces the exit (handled by src/cli.ts).
 */

const controller = new AbortController();
let count = 0;
let firstMessage = 'stopping';

/** What the first Ctrl-C says the command will do (a run: "writing a partial report"). */
export function setInterruptMessage(message: string): void {
  firstMessage = message;
}

/** Aborted on the first Ctrl-C; long-running commands pass it down. */
export const interruptSignal: AbortSignal = controller.signal;

/** Records an interrupt; returns true when it is the second one (the caller must force the exit). */
export function noteInterrupt(signal: string): boolean {
  count++;
  if (count === 1) {
    controller.abort('interrupted');
    process.stderr.write(`\n${signal}: ${firstMessage} (press Ctrl-C again to force)\n`);
    return false;
  }
  return true;
}
