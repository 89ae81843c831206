import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { reportCommand, runReport } from '../../../src/cli/report.ts';
import { loadSummary, reportDirName, writeReport } from '../../../src/report/write.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'ota-fleet-report-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('writeReport and loadSummary', () => {
  it('writes an example report (summary.json, report.md, report.html, report.txt) and reads it back', async () => {
    const summary = createExampleSummary({ thresholds: true });
    const dir = join(await tempDir(), 'example-rollout-20260102-030405');
    const written = await writeReport(summary, dir);
    expect(written.dir).toBe(dir);
    expect(written.files).toEqual({
      summary: join(dir, 'summary.json'),
      markdown: join(dir, 'report.md'),
      html: join(dir, 'report.html'),
      text: join(dir, 'report.txt'),
    });
    expect(await readFile(written.files.text, 'utf8')).toContain('upgraded 183/200 (91.5%)');
    expect(await readFile(written.files.html, 'utf8')).toMatch(/^<!doctype html>/);
    const loaded = await loadSummary(dir);
    expect(loaded).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(await loadSummary(written.files.summary)).toEqual(loaded);
  });

  it('logs the written files when given a logger', async () => {
    const lines: unknown[] = [];
    await writeReport(createExampleSummary(), await tempDir(), {
      log: { info: (obj, msg) => lines.push([obj, msg]) },
    });
    expect(lines).toHaveLength(1);
  });

  it('refuses a missing path, bad JSON and a wrong schema version with ERR_USAGE', async () => {
    const dir = await tempDir();
    await expect(loadSummary(join(dir, 'nope'))).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: /no such file/,
    });
    await expect(loadSummary(dir)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: /cannot read a summary/,
    });
    await writeFile(join(dir, 'summary.json'), '{ nope');
    await expect(loadSummary(dir)).rejects.toMatchObject({ code: 'ERR_USAGE', message: /not valid JSON/ });
    await writeFile(join(dir, 'summary.json'), JSON.stringify({ schemaVersion: 99 }));
    await expect(loadSummary(dir)).rejects.toMatchObject({
      code: 'ERR_USAGE',
      message: /schemaVersion 99 is not supported/,
    });
  });

  it('names report directories <scenario>-<YYYYMMDD-HHMMSS> in UTC', () => {
    expect(reportDirName('quickstart', new Date(Date.UTC(2026, 0, 2, 3, 4, 5)))).toBe(
      'quickstart-20260102-030405',
    );
    expect(reportDirName('a/b c', new Date(0))).toBe('a_b_c-19700101-000000');
  });
});

describe('ota-fleet report', () => {
  it('re-renders every format from a summary into another directory, with a summary copy', async () => {
    const src = await tempDir();
    const written = await writeReport(createExampleSummary(), src);
    const out = join(await tempDir(), 'again');
    const result = await runReport({ input: written.files.summary, out, format: 'all' });
    expect(Object.keys(result.files).sort()).toEqual(['html', 'md', 'summary', 'text']);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toBe(
      await readFile(written.files.markdown, 'utf8'),
    );
    expect(await readFile(join(out, 'report.html'), 'utf8')).toBe(await readFile(written.files.html, 'utf8'));
    expect(result.text).toContain('upgraded 183/200');
  });

  it('writes only the chosen format in place and rejects an unknown one', async () => {
    const src = await tempDir();
    await writeReport(createExampleSummary(), src);
    await rm(join(src, 'report.md'));
    const result = await runReport({ input: src, format: 'md' });
    expect(result.files).toEqual({ md: join(src, 'report.md') });
    expect(result.text).toBeUndefined();
    await expect(runReport({ input: src, format: 'pdf' as 'md' })).rejects.toMatchObject({
      code: 'ERR_USAGE',
    });
  });

  it('parses its flags through yargs and rejects an unknown format', async () => {
    const src = await tempDir();
    await writeReport(createExampleSummary(), src);
    await rm(join(src, 'report.html'));
    const cli = () => yargs().command(reportCommand).strict().exitProcess(false).fail(false);
    await cli().parseAsync(['report', src, '--format', 'html']);
    expect(await readFile(join(src, 'report.html'), 'utf8')).toMatch(/^<!doctype html>/);
    // yargs throws synchronously on a validation failure; wrap it so both ways reject
    const bad = (async () => cli().parseAsync(['report', src, '--format', 'pdf']))();
    await expect(bad).rejects.toThrow(/Invalid values/);
  });
});
