/**
 * vitest global setup: the suite must leave no file in the working tree (tests write only to
 * os.tmpdir()). Notes what `git status` lists before the run — untracked, ignored and changed paths,
 * the build output aside — and fails the run when new entries appear by its end. Does nothing outside
 * a git checkout.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Paths a test run may create: the build (`npm test` builds first) and CI's vitest JSON report. */
const ALLOWED = [/^dist(\/|$)/, /^node_modules(\/|$)/, /^\.vitest-results\.json$/];

/** `git status` entries (`XY path`) of the working tree, or undefined outside a git checkout. */
export function workTreeEntries(root = ROOT): Set<string> | undefined {
  let out: string;
  try {
    out = execFileSync('git', ['status', '--porcelain', '--ignored', '--untracked-files=all', '-z'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  const entries = new Set<string>();
  for (const e of out.split('\0')) {
    if (e.length < 4 || ALLOWED.some((re) => re.test(e.slice(3)))) continue;
    entries.add(e);
  }
  return entries;
}

/** The entries of `after` that `before` did not have (what a run left behind). */
export function newEntries(before: Set<string>, after: Set<string>): string[] {
  return [...after].filter((e) => !before.has(e)).sort();
}

let before: Set<string> | undefined;

/** Called by vitest once before every test file runs. */
export function setup(): void {
  before = workTreeEntries();
}

/**
 * Called by vitest once after every test file ran: when files were left, says which and makes the run
 * exit non-zero (vitest only logs an error thrown here, so the exit code is set as well).
 */
export function teardown(): void {
  if (!before) return;
  const after = workTreeEntries();
  if (!after) return;
  const left = newEntries(before, after);
  if (left.length > 0) {
    process.exitCode = 1;
    throw new Error(
      `the tests left ${left.length} file(s) in the working tree (write to os.tmpdir() instead):\n  ${left.join('\n  ')}`,
    );
  }
}
