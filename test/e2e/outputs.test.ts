/**
 * The built CLI with live outputs: `--metrics-listen 0` prints its URL and answers scrapes while the
 * run goes; `--out ndjson=FILE` grows line by line while the run goes (read as `tail -f` would) and
 * `--out ndjson=-` puts only NDJSON on stdout (the table goes to stderr); the summary line equals
 * summary.json's totals.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.ts';
import { writeTinyRollout } from '../integration/outputs/fixtures.ts';
import { type Family, scrape, total } from '../integration/outputs/scrape.ts';

const out = mkdtempSync(join(tmpdir(), 'ota-fleet-e2e-outputs-'));
beforeAll(() => ensureBuilt());

const lines = (text: string) => text.split('\n').filter((l) => l.length > 0);

describe('ota-fleet run with live outputs (built CLI)', () => {
  it('--metrics-listen 0 and --out ndjson=FILE / ndjson=- stream while the run goes', {
    timeout: 90_000,
  }, async () => {
    const scenario = await writeTinyRollout(out, 'tiny-e2e', '6s');
    const file = join(out, 'live.ndjson');
    let running = true;
    let fileLinesWhileRunning = 0;
    let stdoutLinesWhileRunning = 0;
    const scrapes: Promise<Map<string, Family>>[] = [];
    const r = await runCli(
      [
        'run',
        scenario,
        '--out',
        join(out, 'reports'),
        '--out',
        `ndjson=${file}`,
        '--out',
        'ndjson=-',
        '--metrics-listen',
        '0',
        '--quiet',
      ],
      {
        timeoutMs: 80_000,
        onStart: (child) => {
          let stderr = '';
          let stdout = '';
          let url: string | undefined;
          child.stderr?.on('data', (d: Buffer) => {
            stderr += d.toString();
            url ??= /Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(stderr)?.[1];
          });
          // each new NDJSON line on stdout is an event: look at the file and scrape the endpoint then
          child.stdout?.on('data', (d: Buffer) => {
            stdout += d.toString();
            if (!running) return;
            stdoutLinesWhileRunning = lines(stdout).length;
            if (existsSync(file)) fileLinesWhileRunning = lines(readFileSync(file, 'utf8')).length;
            if (url !== undefined && scrapes.length < 3) scrapes.push(scrape(url));
          });
          child.on('exit', () => {
            running = false;
          });
        },
      },
    );
    expect(r.code, r.stderr).toBe(0);
    // read while being written: at least 2 lines in the file and on stdout before the run ended
    expect(fileLinesWhileRunning).toBeGreaterThanOrEqual(2);
    expect(stdoutLinesWhileRunning).toBeGreaterThanOrEqual(2);
    // stdout is only NDJSON: the table and the report paths went to stderr
    const stdoutLines = lines(r.stdout).map((l) => JSON.parse(l) as { type: string; requests?: number });
    expect(r.stderr).toMatch(/Report: .+report\.html/);
    expect(r.stdout).not.toMatch(/Report:/);
    const fileLines = lines(readFileSync(file, 'utf8')).map(
      (l) => JSON.parse(l) as { type: string; second?: number; requests?: number; totals?: unknown },
    );
    expect(fileLines).toEqual(stdoutLines.map((l) => expect.objectContaining({ type: l.type })));
    expect(fileLines.length).toBeGreaterThanOrEqual(3);
    expect(fileLines.slice(0, -1).every((l) => l.type === 'snapshot')).toBe(true);
    const seconds = fileLines.slice(0, -1).map((l) => l.second!);
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
    const last = fileLines.at(-1)!;
    expect(last.type).toBe('summary');
    const dir = /Report: (.+)report\.html/.exec(r.stderr)![1]!;
    const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as {
      totals: { requests: number };
    };
    expect(last.totals).toEqual(summary.totals);
    for (const l of fileLines.slice(0, -1)) expect(l.requests!).toBeLessThanOrEqual(summary.totals.requests);
    // the endpoint answered while the run went, with requests already counted
    const answered = await Promise.all(scrapes);
    expect(answered.length).toBeGreaterThanOrEqual(1);
    expect(Math.max(...answered.map((f) => total(f, 'ota_fleet_requests_total')))).toBeGreaterThan(0);
  });

  it('refuses a bad --metrics-listen and an unknown --out kind with the usage exit code', async () => {
    const bad = await runCli(['run', 'scenarios/quickstart.yaml', '--metrics-listen', 'nope', '--quiet']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--metrics-listen must be \[HOST:\]PORT/);
    const kind = await runCli(['run', 'scenarios/quickstart.yaml', '--out', 'csv=x.csv', '--quiet']);
    expect(kind.code).toBe(2);
    expect(kind.stderr).toMatch(/unknown output "csv"/);
  });

  it('documents both flags in --help', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.stdout).toMatch(/--metrics-listen/);
    expect(help.stdout).toMatch(/ndjson=FILE/);
  });
});
