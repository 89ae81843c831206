import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expandInput, waitForSummaries } from '../../../src/cli/report.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ota-fleet-wait-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function someSummary(): Promise<string> {
  const path = join(dir, 'example.json');
  await writeFile(path, JSON.stringify(createExampleSummary()), 'utf8');
  return path;
}

describe('report merge --wait: a collector waits for the shards', () => {
  it('expands a quoted shard-* pattern itself, sorted, and leaves plain paths alone', async () => {
    for (const n of ['shard-1', 'shard-0', 'other']) await mkdir(join(dir, n));
    expect(await expandInput(join(dir, 'shard-*'))).toEqual([join(dir, 'shard-0'), join(dir, 'shard-1')]);
    expect(await expandInput(join(dir, 'other'))).toEqual([join(dir, 'other')]);
  });

  it('returns once N summaries exist, counting a shard only when its report is written', async () => {
    const summary = await someSummary();
    await mkdir(join(dir, 'shard-0', 'run-a'), { recursive: true });
    await copyFile(summary, join(dir, 'shard-0', 'run-a', 'summary.json'));
    await mkdir(join(dir, 'shard-1', 'run-b'), { recursive: true });
    await writeFile(join(dir, 'shard-1', 'run-b', 'run.log'), '');
    const waiting = waitForSummaries([join(dir, 'shard-*')], 2, 60_000);
    let settled = false;
    void waiting.then(() => {
      settled = true;
    });
    // the second shard is still running (no summary): the wait goes on past a poll or two
    await new Promise((r) => setTimeout(r, 700));
    expect(settled).toBe(false);
    await copyFile(summary, join(dir, 'shard-1', 'run-b', 'summary.json'));
    expect(await waiting).toEqual([join(dir, 'shard-0'), join(dir, 'shard-1')]);
  });

  it('gives up at the timeout, saying how many it found', async () => {
    await mkdir(join(dir, 'shard-0'));
    await expect(waitForSummaries([join(dir, 'shard-*')], 2, 300)).rejects.toThrow(
      /waited 0 s for 2 summaries, found 0/,
    );
  });
});
