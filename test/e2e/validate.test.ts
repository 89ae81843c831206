/** `ota-fleet validate` through the built CLI on hostile and environment-dependent files. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from '../helpers/cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'ota-fleet-validate-'));
beforeAll(() => ensureBuilt());
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ota-fleet validate', () => {
  it('exits 3 with file:line:col, no stack trace, for a namePattern width of 600000000', async () => {
    const file = join(tmp, 'wide.yaml');
    writeFileSync(file, 'name: wide\nfleet:\n  count: 10\n  namePattern: "{index:600000000}"\n');
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${file}:4:16 fleet.namePattern: the width N of {index:N} must be at most 64`);
    expect(r.stderr).not.toMatch(/RangeError|\n\s+at /);
    expect(r.stderr.length).toBeLessThan(1000);
  });

  it('exits 0 for every example scenario in a shell without the OTA_* variables', async () => {
    const env = { OTA_URL: '', OTA_PRODUCT_ID: '', OTA_ACCESS_KEY: '' };
    const r = await runCli(
      [
        'validate',
        ...[
          'capacity',
          'ci-gate',
          'external-target',
          'flaky-network',
          'poll-storm-10k',
          'quickstart',
          'staged-rollout',
        ].map((n) => `scenarios/${n}.yaml`),
      ],
      { env },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /warning: scenarios\/external-target\.yaml:\d+:\d+ product\.accessKey: environment variable OTA_ACCESS_KEY is not set/,
    );
  });
});
