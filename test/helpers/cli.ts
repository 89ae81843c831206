/** Runs the built CLI (dist/cli.js) as a user would; builds it first when missing. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}dist/cli.js`;

/** Makes sure dist/ exists (npm test builds it in `pretest`; a bare `vitest` run may not have). */
export function ensureBuilt(): void {
  if (!existsSync(CLI)) execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/** The result of one CLI run. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `ota-fleet ...args`; `onStart` gets the child (e.g. to send SIGINT). */
export function runCli(
  args: string[],
  opts: {
    env?: Record<string, string>;
    timeoutMs?: number;
    onStart?: (child: ReturnType<typeof spawn>) => void;
    /** Start in a process group of its own (as a shell job), so a test can signal the whole group. */
    detached?: boolean;
  } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`ota-fleet ${args.join(' ')} did not end within ${opts.timeoutMs ?? 60_000} ms\n${stderr}`),
      );
    }, opts.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    opts.onStart?.(child);
  });
}
