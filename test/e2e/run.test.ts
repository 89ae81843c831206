import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { createAdminClient } from '../../src/server/api/admin-client.ts';
import { spawnOtaServer } from '../../src/server/child.ts';
import { ensureBuilt, ROOT, runCli } from '../helpers/cli.ts';

const out = mkdtempSync(join(tmpdir(), 'ota-fleet-e2e-'));
beforeAll(() => ensureBuilt());

/** A progress block past second 2 with requests sent. */
const SENT_SOME = /\] ([3-9]|\d\d+)s\/\d+s[^\n]*\n[^\n]*\nrequests [^\n]* [1-9][\d,]* sent/;

/** Calls `then` once the child's stderr (its progress lines) matches `re`. */
function whenProgressShows(child: ChildProcess, re: RegExp, then: () => void): void {
  let seen = '';
  const onData = (d: Buffer) => {
    seen += d.toString();
    if (!re.test(seen)) return;
    child.stderr?.off('data', onData);
    then();
  };
  child.stderr?.on('data', onData);
}

function reportPath(stdout: string): string {
  const m = /Report: (.+report\.html)/.exec(stdout);
  if (!m) throw new Error(`no report path in:\n${stdout}`);
  return m[1]!;
}

describe('ota-fleet run (built CLI)', () => {
  it('runs the quickstart rollout on the embedded server and writes every report file', {
    timeout: 90_000,
  }, async () => {
    const r = await runCli(['run', 'scenarios/quickstart.yaml', '--devices', '40', '--out', out, '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const html = reportPath(r.stdout);
    const dir = join(html, '..');
    for (const f of ['summary.json', 'report.md', 'report.html', 'report.txt', 'run.log'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.schemaVersion).toBe(1);
    expect(summary.run.partial).toBe(false);
    expect(summary.rollout.targeted).toBe(40);
    expect(summary.rollout.upgraded).toBeGreaterThanOrEqual(36);
    expect(r.stdout).toMatch(/ROLLOUT/);
    expect(r.stdout).toMatch(/upgraded \d+\/40/);
    const log = readFileSync(join(dir, 'run.log'), 'utf8').trim().split('\n');
    expect(JSON.parse(log[0]!)).toHaveProperty('level');
    // each line names its pid and module once (JSON.parse would silently keep the last of two)
    for (const line of log) {
      expect(line.match(/"pid":/g)?.length, line).toBe(1);
      expect(line.match(/"module":/g)?.length ?? 0, line).toBeLessThanOrEqual(1);
    }
    expect(log.some((l) => l.includes('"module":"rollout"'))).toBe(true);
  });

  it('Ctrl-C writes a partial report and exits 130', { timeout: 60_000 }, async () => {
    const r = await runCli(
      ['run', 'scenarios/poll-storm-10k.yaml', '--devices', '200', '--duration', '60s', '--out', out],
      {
        // Ctrl-C once the progress shows requests sent (its lines come every 5 s off a terminal)
        onStart: (child) => whenProgressShows(child, SENT_SOME, () => child.kill('SIGINT')),
      },
    );
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/partial report/);
    const dir = join(reportPath(r.stdout), '..');
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
    expect(summary.run.partial).toBe(true);
    expect(summary.run.partialReason).toBe('interrupted');
    expect(summary.calls.check.count).toBeGreaterThan(0);
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toMatch(/PARTIAL/i);
  });

  it('Ctrl-C in a terminal (SIGINT to the whole process group) still writes the partial report of an embedded run', {
    timeout: 60_000,
  }, async () => {
    const r = await runCli(
      ['run', 'scenarios/quickstart.yaml', '--devices', '30', '--duration', '60s', '--out', out],
      {
        detached: true,
        // once the progress shows requests after second 2 (the batch is created at 2 s)
        onStart: (child) => whenProgressShows(child, SENT_SOME, () => process.kill(-child.pid!, 'SIGINT')),
      },
    );
    expect(r.code, r.stderr).toBe(130);
    const summary = JSON.parse(readFileSync(join(reportPath(r.stdout), '..', 'summary.json'), 'utf8'));
    expect(summary.run.partial).toBe(true);
    expect(summary.run.partialReason).toBe('interrupted');
    expect(summary.rollout.batches[0].targeted).toBe(30);
    expect(
      summary.errors.filter((e: { code: string }) => e.code === 'ERR_TRANSPORT_CONNECT_REFUSED'),
    ).toEqual([]);
  });

  it('--processes 2 splits the fleet over two processes sharing one embedded server and merges one report', {
    timeout: 90_000,
  }, async () => {
    const r = await runCli([
      'run',
      'scenarios/quickstart.yaml',
      '--devices',
      '40',
      '--processes',
      '2',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(join(reportPath(r.stdout), '..', 'summary.json'), 'utf8'));
    expect(summary.run.devices).toBe(40);
    expect(summary.rollout.targeted).toBe(40);
    expect(summary.rollout.upgraded).toBeGreaterThanOrEqual(36);
    expect(summary.totals.devices.booted).toBe(40);
  });

  it('a bad scenario exits 3 naming file, line and column', async () => {
    const file = join(out, 'bad.yaml');
    writeFileSync(file, 'name: bad\nfleet:\n  count: 0\n  pollIntervall: 5s\n');
    const r = await runCli(['run', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:3:10 fleet.count`);
    expect(r.stderr).toMatch(/bad\.yaml:4:\d+ fleet/);
  });

  it('an unreachable target exits 4', async () => {
    const file = join(out, 'unreachable.yaml');
    writeFileSync(
      file,
      'name: unreachable\ntarget:\n  url: http://127.0.0.1:1\nproduct:\n  id: p\n  accessKey: AAAA\nfleet:\n  count: 1\n',
    );
    const r = await runCli(['run', file]);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/ERR_TARGET_UNREACHABLE/);
  });

  it('a missing scenario file exits 3; an unknown flag or command exits 2 with help', async () => {
    expect((await runCli(['run', join(out, 'nope.yaml')])).code).toBe(3);
    const flag = await runCli(['run', '--no-such-flag']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/Unknown argument/);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });

  it('an unknown flag gets a suggestion and a short usage hint, not the whole help (exit 2)', async () => {
    const r = await runCli(['run', 'scenarios/quickstart.yaml', '--durration', '5s']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown argument: --durration \(did you mean --duration\?\)/);
    expect(r.stderr).toMatch(/run "ota-fleet run --help" for the options/);
    expect(r.stderr).not.toMatch(/Exit codes:|--processes-server/);
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    expect(r.stdout).toBe('');
  });

  it('--duration shorter than the load plan warns that the rest of the plan is cut', {
    timeout: 60_000,
  }, async () => {
    const r = await runCli([
      'run',
      'scenarios/ramping-fleet.yaml',
      '--duration',
      '2s',
      '--devices',
      '20',
      '--out',
      out,
      '--quiet',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /warning: --duration 2s is shorter than the ramping-fleet stages \(30s\): the last 28s of the load plan is cut/,
    );
    expect(r.stderr).toMatch(
      /warning: --duration 2s ends the run before the rollout step at 11s: never played/,
    );
  });

  it('a run in which the target refused every request exits 4 and says so', { timeout: 60_000 }, async () => {
    const server = await spawnOtaServer({});
    try {
      const admin = createAdminClient(server.url, server.adminToken);
      const product = await admin.createProduct({ id: 'refused' });
      await admin.createDevices('refused', { namePattern: 'dev-{index:03}', count: 5, returnDevices: false });
      await admin.close();
      const wrongKey = Buffer.from(`not-${product.accessKey}`).toString('base64');
      const r = await runCli(
        [
          'run',
          'scenarios/external-target.yaml',
          '--devices',
          '5',
          '--duration',
          '3s',
          '--out',
          out,
          '--quiet',
        ],
        { env: { OTA_URL: server.url, OTA_PRODUCT_ID: product.id, OTA_ACCESS_KEY: wrongKey } },
      );
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr).toMatch(
        /ERR_TARGET_REFUSED: the target refused the fleet: every one of \d+ requests failed/,
      );
      const summary = JSON.parse(readFileSync(join(reportPath(r.stdout), '..', 'summary.json'), 'utf8'));
      const calls = Object.values(summary.calls) as { count: number; failed: number }[];
      expect(calls.reduce((n, c) => n + c.count, 0)).toBeGreaterThan(0);
      expect(calls.every((c) => c.failed === c.count)).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('installs its Ctrl-C handlers before loading the rest: an interrupt that early still leaves a partial report', {
    timeout: 60_000,
  }, async () => {
    // the entry imports only two tiny modules before it installs the handlers
    const entry = readFileSync(join(ROOT, 'src/cli.ts'), 'utf8');
    const staticImports = [...entry.matchAll(/^import .* from '(.+)';$/gm)].map((m) => m[1]);
    expect(staticImports).toEqual(['./cli/exit-codes.ts', './cli/interrupt.ts']);
    expect(entry.indexOf("process.on('SIGINT'")).toBeLessThan(entry.indexOf("import('./cli/main.ts')"));
    // a loader hook presses Ctrl-C the moment the entry asks for the rest of the CLI (before the fix:
    // while the entry's own static imports were loading, with no handler yet)
    const hooks = `let sent = false;
export async function resolve(specifier, context, next) {
  if (!sent && /[\\/]cli[\\/](main|commands)\\.js$/.test(specifier)) { sent = true; process.kill(process.pid, 'SIGINT'); }
  return next(specifier, context);
}`;
    const preload = join(out, 'press-ctrl-c.mjs');
    writeFileSync(
      preload,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`,
    );
    const r = await runCli(
      ['run', 'scenarios/quickstart.yaml', '--devices', '10', '--duration', '30s', '--out', out, '--quiet'],
      { env: { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` } },
    );
    expect(r.code, r.stderr).toBe(130);
    const summary = JSON.parse(readFileSync(join(reportPath(r.stdout), '..', 'summary.json'), 'utf8'));
    expect(summary.run).toMatchObject({ partial: true, partialReason: 'interrupted' });
  });

  it('--help lists every command and the exit codes', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'serve', 'validate', 'schema', 'report'])
      expect(r.stdout).toContain(`ota-fleet ${c}`);
    expect(r.stdout).toMatch(/130 +interrupted/);
  });
});
