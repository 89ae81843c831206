import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import yargs from 'yargs';
import { schemaCommand, writeScenarioSchema } from '../../../src/cli/schema.ts';
import { validateCommand, validateScenarios } from '../../../src/cli/validate.ts';
import { renderScenarioJsonSchema } from '../../../src/scenario/json-schema.ts';

function capture() {
  const out: string[] = [];
  return { out, write: (text: string) => void out.push(text) };
}

describe('ota-fleet validate', () => {
  it('prints one ok line with a summary per valid file, then its warnings', async () => {
    const { out, write } = capture();
    await validateScenarios(
      ['scenarios/quickstart.yaml', 'test/fixtures/scenarios/warnings/arrival-rate-fits-duration.yaml'],
      {
        env: {},
        write,
      },
    );
    expect(out.join('')).toBe(
      [
        'scenarios/quickstart.yaml: ok (embedded target, 200 devices, 2 profiles (healthy 95%, flaky 5%), closed fleet model, rollout of 1 package in 1 step, stops at 45s or when settled)',
        'test/fixtures/scenarios/warnings/arrival-rate-fits-duration.yaml: ok (embedded target, 100 devices, 1 profile (default 100%), open arrival-rate model (2 phases over 1m 30s), no rollout, stops at 1m)',
        'warning: test/fixtures/scenarios/warnings/arrival-rate-fits-duration.yaml:6:3 load.phases: last 1m 30s, longer than stop.duration (1m): the last 30s never run [arrival-rate-fits-duration]',
        '',
      ].join('\n'),
    );
  });

  it('throws ERR_SCENARIO_INVALID listing every problem of every invalid or unreadable file', async () => {
    const { out, write } = capture();
    const run = validateScenarios(
      ['test/fixtures/scenarios/invalid/wrong-types.yaml', 'scenarios/capacity.yaml', 'nowhere.yaml'],
      { env: {}, write },
    );
    const err = await run.then(
      () => undefined,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('ERR_SCENARIO_INVALID');
    const lines = err?.message.split('\n') ?? [];
    expect(lines[0]).toBe('8 problems in 2 of 3 scenario files:');
    expect(lines[1]).toBe(
      'test/fixtures/scenarios/invalid/wrong-types.yaml:3:10 fleet.count: must be a positive integer (got 0)',
    );
    expect(lines.at(-1)).toBe('cannot read scenario file nowhere.yaml (ENOENT)');
    expect(out.join('')).toMatch(/^scenarios\/capacity\.yaml: ok \(/);
  });

  describe('as a yargs command', () => {
    afterEach(() => vi.restoreAllMocks());
    it('takes one or more files and writes to stdout', async () => {
      const written: string[] = [];
      vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
      await yargs()
        .command(validateCommand)
        .exitProcess(false)
        .parseAsync(['validate', 'scenarios/quickstart.yaml', 'scenarios/capacity.yaml']);
      expect(written.filter((l) => l.includes(': ok ('))).toHaveLength(2);
    });
  });
});

describe('ota-fleet schema', () => {
  it('prints the schema to stdout by default', async () => {
    const { out, write } = capture();
    await writeScenarioSchema({ write });
    expect(out.join('')).toBe(renderScenarioJsonSchema());
  });

  it('writes the schema to --out and says where', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ota-fleet-schema-')), 'scenario.schema.json');
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    await yargs().command(schemaCommand).exitProcess(false).parseAsync(['schema', '--out', file]);
    vi.restoreAllMocks();
    expect(readFileSync(file, 'utf8')).toBe(renderScenarioJsonSchema());
    expect(written).toEqual([`wrote ${file}\n`]);
  });
});
