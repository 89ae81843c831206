/**
 * What the Dockerfile's runtime stage holds is enough to run ota-fleet: a temp folder gets dist/,
 * scenarios/, package.json and package-lock.json, and production dependencies only — a copy of
 * node_modules (with the better-sqlite3 this machine compiled) pruned by `npm prune --omit=dev
 * --offline` (a fresh `npm ci --omit=dev` would compile better-sqlite3 for ~90 s). From that folder the
 * CLI runs a tiny scenario, serves (health answered) and merges two shard reports.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ensureBuilt, ROOT } from '../helpers/cli.ts';

const app = mkdtempSync(join(tmpdir(), 'ota-fleet-prod-'));
const cli = join(app, 'dist', 'cli.js');
let served: ChildProcess | undefined;

/** Runs `node dist/cli.js ...args` in the temp folder; resolves with its exit code and output. */
function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  ensureBuilt();
  for (const part of ['dist', 'scenarios', 'package.json', 'package-lock.json'])
    cpSync(join(ROOT, part), join(app, part), { recursive: true });
  // the worktree's node_modules may be a symlink: copy what it points at, links inside kept as they are
  cpSync(realpathSync(join(ROOT, 'node_modules')), join(app, 'node_modules'), {
    recursive: true,
    verbatimSymlinks: true,
  });
  execFileSync('npm', ['prune', '--omit=dev', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    stdio: 'pipe',
  });
}, 60_000);

afterAll(() => {
  served?.kill('SIGKILL');
  rmSync(app, { recursive: true, force: true });
});

describe('the runtime stage: dist/, scenarios/ and production dependencies only', () => {
  it('holds no development dependency', () => {
    const has = (name: string) => existsSync(join(app, 'node_modules', name, 'package.json'));
    for (const dev of [
      'vitest',
      'typescript',
      'tsx',
      '@biomejs/biome',
      'fast-check',
      'parse-prometheus-text-format',
    ])
      expect(has(dev), dev).toBe(false);
    for (const prod of ['better-sqlite3', 'undici', 'piscina', 'prom-client', 'yargs'])
      expect(has(prod), prod).toBe(true);
    expect(existsSync(join(app, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'))).toBe(true);
  });

  it('runs a tiny scenario, then merges two shards of it', { timeout: 60_000 }, async () => {
    writeFileSync(
      join(app, 'tiny.yaml'),
      stringify({
        name: 'tiny',
        seed: 2,
        target: { url: 'embedded' },
        fleet: { count: 6, versions: { f_version: { V1: 1 } } },
        profiles: [{ name: 'p', pollInterval: '200ms', installTime: '100ms' }],
        rollout: {
          packages: [{ name: 'fw', targetVersion: 'V2', size: '16KiB' }],
          steps: [{ at: '0s', batch: { name: 'all', package: 'fw', fromVersion: 'V1' } }],
        },
        stop: { duration: '10s' },
      }),
    );
    const [one, two] = await Promise.all([
      run(['run', 'tiny.yaml', '--shard', '1/2', '--out', 'reports', '--quiet', '--workers', '1']),
      run(['run', 'tiny.yaml', '--shard', '2/2', '--out', 'reports', '--quiet', '--workers', '1']),
    ]);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    const dirs = readdirSync(join(app, 'reports')).map((d) => join('reports', d));
    expect(dirs).toHaveLength(2);
    for (const d of dirs) expect(existsSync(join(app, d, 'summary.json')), d).toBe(true);
    const merged = await run(['report', 'merge', ...dirs, '--out', 'merged']);
    expect(merged.code, merged.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(app, 'merged', 'summary.json'), 'utf8')) as {
      run: { devices: number };
      totals: { devices: { upgraded: number } };
    };
    expect(summary.run.devices).toBe(6);
    expect(summary.totals.devices.upgraded).toBe(6);
  });

  it('serves: the health route answers', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [cli, 'serve', '--port', '0'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    served = child;
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
    });
    const res = await fetch(`${url}/api/health`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { ok: boolean }).ok).toBe(true);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    served = undefined;
  });
});
