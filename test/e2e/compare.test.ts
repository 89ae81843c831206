/**
 * The CI gate through the built CLI: a URL scenario run against a healthy reference server and one slowed by its latency fault.
 * Checks exit codes 0 / 5 / 6 / 2 and the report, Markdown and JUnit files.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SpawnedOtaServer, spawnOtaServer } from '../../src/server/child.ts';
import { ensureBuilt, runCli } from '../helpers/cli.ts';
import { findAll, parseXml } from '../unit/compare/xml.ts';

const POLICY = 'reports/baselines/ci-gate/policy.yaml';
const tmp = mkdtempSync(join(tmpdir(), 'ota-fleet-compare-'));
const SCENARIO = join(tmp, 'e2e-gate.yaml');
writeFileSync(
  SCENARIO,
  `name: e2e-gate
target: { url: "\${OTA_URL}" }
product: { id: "\${OTA_PRODUCT}", accessKey: "\${OTA_KEY}" }
fleet: { count: 10, namePattern: "dev-{index:03}", boot: { over: 1s } }
profiles: [{ name: default, pollInterval: 200ms }]
stop: { duration: 3s, whenSettled: false }
thresholds:
  ota_check_duration: ["p(50) < 20ms"]
  errors{code:ERR_TRANSPORT_RESET}: ["count < 5"]
abortOnFail: { grace: 1s }
`,
);

/** Runs the built CLI, pointing the scenario's ${OTA_*} at `server`. */
function cli(args: string[], server?: SpawnedOtaServer) {
  const env: Record<string, string> = server
    ? { OTA_URL: server.url, OTA_PRODUCT: server.demo!.productId, OTA_KEY: server.demo!.accessKey }
    : {};
  return runCli(args, { env });
}

/** The one report folder a run wrote under `out`. */
function reportDir(out: string): string {
  const dirs = readdirSync(out);
  expect(dirs).toHaveLength(1);
  return join(out, dirs[0]!);
}
const summaryOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));

let healthy: SpawnedOtaServer;
let slow: SpawnedOtaServer;
let first: string;
let second: string;
let slowed: string;

beforeAll(async () => {
  ensureBuilt();
  [healthy, slow] = await Promise.all([
    spawnOtaServer({ seedDemo: true }),
    spawnOtaServer({ seedDemo: true, faults: { '*': { latencyMs: 40 } } }),
  ]);
});
afterAll(async () => {
  await Promise.all([healthy?.stop(), slow?.stop()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('ota-fleet run with thresholds and --baseline', () => {
  it('exits 0 when the thresholds hold', { timeout: 60_000 }, async () => {
    const r = await cli(['run', SCENARIO, '--out', join(tmp, 'a'), '--quiet'], healthy);
    expect(r.code, r.stderr).toBe(0);
    first = reportDir(join(tmp, 'a'));
    const s = summaryOf(first);
    expect(s.thresholds.map((t: { ok: boolean }) => t.ok)).toEqual([true, true]);
    expect(r.stdout).toMatch(/VERDICT {2}PASSED · all 2 thresholds passed/);
  });

  // latency comparisons on a shared machine: a burst of outside load can move one run, so the healthy
  // pair gets two more tries, each a fresh run in its own folder
  it('exits 0 with --baseline when a second healthy run does not regress; the report shows the comparison', {
    timeout: 60_000,
    retry: 2,
  }, async () => {
    const out = mkdtempSync(join(tmp, 'b-'));
    const r = await cli(
      ['run', SCENARIO, '--out', out, '--quiet', '--baseline', first, '--policy', POLICY],
      healthy,
    );
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    second = reportDir(out);
    const s = summaryOf(second);
    expect(s.comparison).toMatchObject({ baseline: first, ok: true });
    expect(readFileSync(join(second, 'report.md'), 'utf8')).toContain(`### Comparison with ${first}`);
    expect(readFileSync(join(second, 'report.html'), 'utf8')).toContain('Comparison with');
  });

  it('exits 5 when a threshold fails; abortOnFail ends the run early with a partial report', {
    timeout: 60_000,
  }, async () => {
    const r = await cli(['run', SCENARIO, '--out', join(tmp, 'c'), '--quiet'], slow);
    expect(r.code, r.stderr).toBe(5);
    slowed = reportDir(join(tmp, 'c'));
    const s = summaryOf(slowed);
    expect(s.run).toMatchObject({ partial: true, partialReason: 'aborted-by-threshold' });
    expect(s.thresholds[0]).toMatchObject({ metric: 'ota_check_duration', ok: false, abortedRun: true });
    const text = readFileSync(join(slowed, 'report.txt'), 'utf8');
    expect(text).toMatch(
      /FAIL {2}ota_check_duration {2}p\(50\) < 20ms {2}\(observed (?:[4-9]\d|\d{3,})\.\d+ms \(aborted the run\)\)/,
    );
    expect(text).toContain('PARTIAL RUN (aborted-by-threshold)');
  });

  it('refuses a baseline of another scenario before running (exit 2)', { timeout: 30_000 }, async () => {
    const other = join(tmp, 'other.json');
    writeFileSync(
      other,
      JSON.stringify({ ...summaryOf(first), scenario: { ...summaryOf(first).scenario, name: 'x' } }),
    );
    const r = await cli(['run', SCENARIO, '--out', join(tmp, 'd'), '--baseline', other], healthy);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /is a run of scenario x, not e2e-gate; they are not comparable \(--force compares anyway\)/,
    );
    expect(existsSync(join(tmp, 'd'))).toBe(false);
  });
});

describe('ota-fleet compare', () => {
  it('exits 6 on a slowed run with a readable table, Markdown and JUnit', { timeout: 30_000 }, async () => {
    const md = join(tmp, 'compare.md');
    const xml = join(tmp, 'compare.xml');
    const r = await cli(['compare', first, slowed, '--policy', POLICY, '--markdown', md, '--junit', xml]);
    expect(r.code, r.stderr).toBe(6);
    expect(r.stdout).toMatch(/^ {2}STATUS +CHECK +BASELINE +THIS RUN +CHANGE +NOTE$/m);
    expect(r.stdout).toMatch(/^ {2}REGRESSED +check\.p50 +\S+ +(?:[4-9]\d|\d{3,})\.\d+ms +\+\d/m);
    expect(r.stdout).toContain('warning: this run is a partial run (aborted-by-threshold)');
    expect(r.stdout).toMatch(/VERDICT {2}REGRESSED · \d+ of \d+ checks regressed/);
    const markdown = readFileSync(md, 'utf8');
    expect(markdown.split('\n')[0]).toMatch(/^## 📉 e2e-gate: \d+ of \d+ checks regressed/);
    expect(markdown).toMatch(/^\| 📉 \| `check\.p50` \|/m);
    const doc = parseXml(readFileSync(xml, 'utf8'));
    const failed = findAll(doc, 'testcase').filter((c) => c.children.some((x) => x.name === 'failure'));
    expect(failed.map((c) => c.attrs.name)).toEqual(
      expect.arrayContaining(['check.p50', 'ota_check_duration p(50) < 20ms']),
    );
    expect(doc.attrs.failures).toBe(String(findAll(doc, 'failure').length));
  });

  it('exits 0 on two healthy runs; --tolerance and --floor-ms loosen the policy', {
    timeout: 30_000,
  }, async () => {
    const r = await cli(['compare', join(first, 'summary.json'), second, '--policy', POLICY]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/VERDICT {2}PASSED · no regression in \d+ checks/);
    const loose = await cli([
      'compare',
      first,
      slowed,
      '--tolerance',
      '10000%',
      '--floor-ms',
      '1000',
      '--quiet',
    ]);
    expect(loose.code, loose.stderr).toBe(0);
  });

  it('exits 2 for runs of different scenarios or schema versions unless --force', {
    timeout: 30_000,
  }, async () => {
    const base = summaryOf(first);
    const renamed = join(tmp, 'renamed.json');
    writeFileSync(renamed, JSON.stringify({ ...base, scenario: { ...base.scenario, name: 'other' } }));
    const r = await cli(['compare', first, renamed]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the runs are of different scenarios (baseline e2e-gate, this run other)');
    const forced = await cli(['compare', first, renamed, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toContain('(compared anyway: --force)');
    const v2 = join(tmp, 'v2.json');
    writeFileSync(v2, JSON.stringify({ ...base, schemaVersion: 2 }));
    const refused = await cli(['compare', first, v2]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/summary schemaVersion 2, but this ota-fleet writes 1/);
    const missing = await cli(['compare', first, join(tmp, 'nope')]);
    expect(missing.code).toBe(2);
  });
});

describe('a run the target refused', () => {
  it('exits 4 with a verdict that names the errno and the keys to check (wrong access key)', {
    timeout: 60_000,
  }, async () => {
    const out = join(tmp, 'refused');
    const env = {
      OTA_URL: healthy.url,
      OTA_PRODUCT: healthy.demo!.productId,
      OTA_KEY: 'd3Jvbmcta2V5LXdyb25nLWtleQ==',
    };
    const r = await runCli(['run', SCENARIO, '--out', out, '--quiet', '--duration', '2s'], { env });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stdout).toMatch(/^VERDICT {2}REFUSED · no device call succeeded/m);
    expect(r.stdout).toContain(
      'cause: every request failed: errno 1 = authentication failed — check product.accessKey, tokenLevel and tokenMethod',
    );
    const dir = reportDir(out);
    const s = summaryOf(dir);
    expect(s.verdict).toMatchObject({ status: 'refused' });
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(
      '**Refused run**: every request failed: errno 1',
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('data-verdict="refused"');
  });
});

describe("the README's CI-gate recipe", () => {
  it('exits 0 twice in a row on a healthy machine: the baseline folder policy applies, --out is a fixed folder', {
    timeout: 180_000,
    retry: 2,
  }, async () => {
    const out = join(tmp, 'ci-gate');
    const recipe = async () => {
      const run = await runCli([
        'run',
        'scenarios/ci-gate.yaml',
        '--baseline',
        'reports/baselines/ci-gate',
        '--out',
        out,
        '--quiet',
      ]);
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stdout).toContain('comparison: policy reports/baselines/ci-gate/policy.yaml');
      const compare = await runCli([
        'compare',
        'reports/baselines/ci-gate',
        out,
        '--markdown',
        join(out, 'gate.md'),
        '--junit',
        join(out, 'gate.xml'),
      ]);
      expect(compare.code, compare.stdout).toBe(0);
      expect(compare.stdout).toContain('(policy reports/baselines/ci-gate/policy.yaml)');
      return compare.stdout;
    };
    await recipe();
    const second = await recipe();
    const dirs = readdirSync(out)
      .filter((d) => d.startsWith('ci-gate-'))
      .sort();
    expect(dirs).toHaveLength(2);
    // the second compare read the newest report of the folder
    expect(second).toContain(`${dirs[1]}/summary.json`);
  });
});
