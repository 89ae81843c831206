/**
 * The run observer across `--processes`: the children stream their worker snapshots to the parent,
 * whose observers see the whole fleet live; a child reports its failure as one structured line.
 */
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childError, spawnChild } from '../../../src/engine/children.ts';
import type { RunSnapshot, RunStart } from '../../../src/engine/observer.ts';
import { runProcesses } from '../../../src/engine/processes.ts';
import type { RunSummary } from '../../../src/report/summary.ts';
import { SMALL_ROLLOUT, scenarioYaml, silentLog } from './helpers.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ota-fleet-observer-'));
  dirs.push(dir);
  return dir;
}

describe('a run observer of --processes 2', () => {
  it('sees per-second snapshots in the parent with both children’s devices in them', {
    timeout: 90_000,
  }, async () => {
    const dir = await tempDir();
    const file = join(dir, 'small.yaml');
    // whenSettled off: the run lasts its 6 s whatever the machine's load, so there are seconds to see
    await writeFile(
      file,
      scenarioYaml({ ...SMALL_ROLLOUT, stop: { duration: '6s', whenSettled: false } }),
      'utf8',
    );
    const starts: RunStart[] = [];
    const seconds: RunSnapshot[] = [];
    const finished: RunSummary[] = [];
    const { summary } = await runProcesses({
      scenarioFile: file,
      processes: 2,
      out: join(dir, 'reports'),
      workers: 1,
      log: silentLog,
      observers: [
        {
          onStart: (r) => starts.push(r),
          onSnapshot: (s) => seconds.push(s),
          onFinish: (s) => finished.push(s),
        },
      ],
    });
    expect(starts).toMatchObject([{ scenario: 'merge-small', devices: 20, processes: 2 }]);
    expect(finished).toEqual([summary]);
    expect(seconds.length).toBeGreaterThanOrEqual(3);
    const sources = new Set(seconds.flatMap((s) => s.intervals.map((i) => i.source)));
    expect([...sources].sort()).toEqual(['p1/w0', 'p2/w0']);
    // one second in which both children's devices are active: 10 + 10 of the 20
    expect(Math.max(...seconds.map((s) => s.live.devicesActive))).toBe(20);
    // what the parent saw live is the fleet's traffic, never more than the merged report counts
    const lastLive = seconds.at(-1)!.live;
    expect(lastLive.requests).toBeGreaterThan(0);
    expect(lastLive.requests).toBeLessThanOrEqual(summary.totals.requests);
    expect(seconds.map((s) => s.second)).toEqual([...seconds.map((s) => s.second)].sort((a, b) => a - b));
  });
});

describe('a --processes child that fails', () => {
  it('reports its failure as one structured line on its events pipe, read back with its code', {
    timeout: 60_000,
  }, async () => {
    const dir = await tempDir();
    const missing = join(dir, 'no-such-scenario.yaml');
    const child = spawnChild('process 1/1', join(dir, 'out'), ['run', missing, '--quiet'], silentLog);
    await once(child.proc, 'close');
    expect(child.exit?.code).toBe(3);
    expect(child.failure?.code).toBe('ERR_SCENARIO_NOT_FOUND');
    expect(child.failure?.message).toContain('no-such-scenario.yaml');
    const err = childError(child);
    expect(err.code).toBe('ERR_SCENARIO_NOT_FOUND');
    expect(err.message).toMatch(/^process 1\/1: .*no-such-scenario\.yaml/);
  });
});
