/** The shape of a CLI command: a yargs command module whose handler returns the exit code. */
import type { ArgumentsCamelCase, CommandModule } from 'yargs';
import type { ExitCodeValue } from './exit-codes.ts';

/**
 * A yargs command module whose handler returns its exit code (nothing means 0) or throws an error
 * carrying a code; src/cli/main.ts reads it once.
 */
// biome-ignore lint/suspicious/noExplicitAny: commands differ in their argument types
export type Command<T = any> = Omit<CommandModule<object, T>, 'handler'> & {
  // biome-ignore lint/suspicious/noConfusingVoidType: a handler that returns nothing exits 0
  handler(args: ArgumentsCamelCase<T>): void | ExitCodeValue | Promise<void | ExitCodeValue>;
};
