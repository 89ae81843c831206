/** Runs the built CLI (dist/cli.js) as a user would; builds it first when missing. */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
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

const POLL_MS = 50;

/** Polls `probe` every 50 ms until it returns a value; throws after `timeoutMs` (a safety net only). */
async function pollFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * Waits until a run writing its report folder into `outDir` (give each such run a folder of its own) has
 * logged a line whose `msg` matches `msg` in its run.log, and returns that line parsed.
 */
export function waitForRunLog(
  outDir: string,
  msg: RegExp,
  timeoutMs = 60_000,
): Promise<Record<string, unknown>> {
  return pollFor(
    `"${msg.source}" in a run.log under ${outDir}`,
    async () => {
      for (const sub of readdirSync(outDir)) {
        const file = join(outDir, sub, 'run.log');
        if (!existsSync(file)) continue;
        for (const line of readFileSync(file, 'utf8').split('\n')) {
          if (!line.trim()) continue;
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (typeof parsed['msg'] === 'string' && msg.test(parsed['msg'])) return parsed;
        }
      }
      return undefined;
    },
    timeoutMs,
  );
}

/**
 * Waits until the reference server at `url` (loopback: no admin token needed) has answered `call` at
 * least `n` times, read from its GET /api/stats; returns the count.
 */
export function waitForServedCalls(
  url: string,
  call: string,
  n: number,
  timeoutMs = 60_000,
): Promise<number> {
  return pollFor(
    `${n} ${call} replies from ${url}`,
    async () => {
      const res = await fetch(new URL('/api/stats', url));
      const stats = (await res.json()) as { calls: Record<string, { replies: Record<string, number> }> };
      const replies = Object.values(stats.calls[call]?.replies ?? {}).reduce((a, b) => a + b, 0);
      return replies >= n ? replies : undefined;
    },
    timeoutMs,
  );
}

/** Waits until an embedded run writing into `outDir` has had `n` replies to `call` from its server. */
export async function waitForEmbeddedCalls(
  outDir: string,
  call: string,
  n: number,
  timeoutMs = 60_000,
): Promise<number> {
  const started = await waitForRunLog(outDir, /^embedded server started$/, timeoutMs);
  return waitForServedCalls(String(started['url']), call, n, timeoutMs);
}
