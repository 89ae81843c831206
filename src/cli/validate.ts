/** `ota-fleet validate FILE..`: checks scenario files and prints a one-line summary of each valid one. */
import type { Argv, CommandModule } from 'yargs';
import { errorCodeOf, OtaFleetError } from '../error-codes.ts';
import type { Env } from '../scenario/interpolate.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import { summarizeScenario } from '../scenario/summary.ts';

/** Most problems printed per file; the rest are counted in one line. */
export const MAX_PROBLEMS_PER_FILE = 200;

/** Where validation reads `${ENV}` values from and writes its output. */
export interface ValidateOptions {
  env?: Env;
  /** Receives each output line with its newline (default: stdout). */
  write?: (text: string) => void;
}

/**
 * Validates every file: writes `FILE: ok (summary)` and its warnings for each valid one, then throws
 * ERR_SCENARIO_INVALID whose message lists every problem of the invalid ones, one per line.
 */
export async function validateScenarios(
  files: readonly string[],
  options: ValidateOptions = {},
): Promise<void> {
  const write = options.write ?? ((text: string) => process.stdout.write(text));
  const failed: string[] = [];
  let problemCount = 0;
  let invalidFiles = 0;
  for (const file of files) {
    try {
      // an unset ${VAR} is a warning here (the shell that runs the scenario may set it), an error at `run`
      const loaded = await loadScenario(file, {
        ...(options.env ? { env: options.env } : {}),
        unsetEnv: 'warning',
      });
      const warnings = loaded.warnings.map((w) => `warning: ${formatProblem(w)}`);
      if (loaded.ok) {
        write(`${file}: ok (${summarizeScenario(loaded.scenario)})\n`);
        for (const w of warnings) write(`${w}\n`);
        continue;
      }
      invalidFiles++;
      problemCount += loaded.problems.length;
      const shown = loaded.problems.slice(0, MAX_PROBLEMS_PER_FILE).map(formatProblem);
      const rest = loaded.problems.length - shown.length;
      if (rest > 0)
        shown.push(
          `${file}: ... and ${rest} more problem${rest === 1 ? '' : 's'} (${MAX_PROBLEMS_PER_FILE} shown)`,
        );
      failed.push(...shown, ...warnings.slice(0, MAX_PROBLEMS_PER_FILE));
    } catch (err) {
      if (errorCodeOf(err) !== 'ERR_SCENARIO_NOT_FOUND') throw err;
      invalidFiles++;
      problemCount++;
      failed.push((err as Error).message);
    }
  }
  if (invalidFiles === 0) return;
  const head = `${problemCount} problem${problemCount === 1 ? '' : 's'} in ${invalidFiles} of ${files.length} scenario file${files.length === 1 ? '' : 's'}:`;
  throw new OtaFleetError('ERR_SCENARIO_INVALID', [head, ...failed].join('\n'));
}

/** The yargs command module of `ota-fleet validate`. */
export const validateCommand: CommandModule<object, { files: string[] }> = {
  command: 'validate <files..>',
  describe: 'Check scenario files: every problem with file:line:col, or a summary of each valid one',
  builder: (y: Argv) =>
    y
      .positional('files', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Scenario files (YAML or JSON)',
      })
      .example('$0 validate scenarios/*.yaml', 'check every example scenario') as Argv<{ files: string[] }>,
  handler: async (args) => {
    await validateScenarios(args.files, { env: process.env });
  },
};
