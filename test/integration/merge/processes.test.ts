/**
 * `runProcesses` end to end: two real CLI child processes (tsx) with one shared embedded server
 * played by the parent, their summaries merged into one report; and Ctrl-C forwarded to them.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runProcesses } from '../../../src/engine/processes.ts';
import { loadSummary } from '../../../src/report/write.ts';
import { waitForEmbeddedCalls } from '../../helpers/cli.ts';
import { SMALL_ROLLOUT, scenarioYaml, silentLog } from './helpers.ts';

const dirs: string[] = [];
async function scenarioFile(input: typeof SMALL_ROLLOUT): Promise<{ file: string; out: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'ota-fleet-processes-'));
  dirs.push(dir);
  const file = join(dir, 'small.yaml');
  await writeFile(file, scenarioYaml(input), 'utf8');
  return { file, out: join(dir, 'reports') };
}

afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** The summaries the children wrote under `<dir>/processes/<i>/<report>/`. */
async function childSummaries(dir: string) {
  const root = join(dir, 'processes');
  const kids = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory());
  return Promise.all(
    kids.map(async (k) => {
      const [report] = await readdir(join(root, k.name));
      return loadSummary(join(root, k.name, report!));
    }),
  );
}

describe('runProcesses', () => {
  it('runs one fleet as two processes on one shared embedded server and merges one report', async () => {
    const { file, out } = await scenarioFile({
      ...SMALL_ROLLOUT,
      stop: { duration: '60s', whenSettled: true }, // a safety net: the run ends when the rollout settles
    });
    const t0 = Date.now();
    const { summary, dir } = await runProcesses({
      scenarioFile: file,
      processes: 2,
      out,
      workers: 1,
      log: silentLog,
    });
    // the parent saw the rollout settle and stopped both children well before the 60 s duration
    expect(Date.now() - t0).toBeLessThan(50_000);
    expect(summary.run).toMatchObject({ partial: false, endReason: 'settled', devices: 20, workers: 2 });
    expect(summary.run.shard).toEqual({ index: 1, count: 1 });
    expect(summary.run.target.embedded).toBe(true);
    expect(summary.scenario.file).toBe(file);
    expect(summary.scenario.source).toBe(await readFile(file, 'utf8'));
    // one server, one batch: nothing counted twice
    expect(summary.rollout).toMatchObject({ targeted: 20, upgraded: 20, pending: 0, upgradedFraction: 1 });
    expect(summary.rollout!.batches).toHaveLength(1);
    expect(summary.rollout!.batches[0]).toMatchObject({ name: 'all', status: 'completed', targeted: 20 });
    expect(summary.calls.download.count).toBe(80);
    expect(summary.calls['report-version'].count).toBe(40);
    expect(summary.totals.failedRequests).toBe(0);

    const kids = await childSummaries(dir);
    expect(kids.map((k) => k.run.shard).sort((a, b) => a!.index - b!.index)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    // one start time for every process, so their seconds line up
    expect(kids.map((k) => k.run.startedAt)).toEqual([summary.run.startedAt, summary.run.startedAt]);
    expect(kids.every((k) => k.run.target.url === summary.run.target.url && !k.run.target.embedded)).toBe(
      true,
    );
    expect(summary.calls.check!.count).toBe(kids[0]!.calls.check!.count + kids[1]!.calls.check!.count);
    const onDisk = await loadSummary(dir);
    expect(onDisk.totals).toEqual(summary.totals);
    expect(await readdir(dir)).toEqual(
      expect.arrayContaining(['summary.json', 'report.html', 'report.md', 'report.txt', 'processes']),
    );
  }, 90_000);

  it('per-process servers: each seeds the whole fleet; the merge counts their rollout once', async () => {
    const { file, out } = await scenarioFile({
      ...SMALL_ROLLOUT,
      // long enough for every device to upgrade even when busy children come up seconds late
      stop: { duration: '10s', whenSettled: true },
    });
    const { summary } = await runProcesses({
      scenarioFile: file,
      processes: 2,
      out,
      workers: 1,
      server: 'per-process',
      log: silentLog,
    });
    // a server that also targets the other process's devices never settles: the run lasts its duration
    expect(summary.run).toMatchObject({ partial: false, endReason: 'duration', devices: 20 });
    expect(summary.run.target.embedded).toBe(true);
    expect(summary.rollout).toMatchObject({ targeted: 20, upgraded: 20, pending: 0 });
    expect(summary.rollout!.batches.map((b) => b.name)).toEqual(['process 1/2: all', 'process 2/2: all']);
    expect(summary.calls.download.count).toBe(80);
  }, 60_000);

  it('forwards Ctrl-C to every process and merges their partial reports', async () => {
    const { file, out } = await scenarioFile({
      ...SMALL_ROLLOUT,
      rollout: {
        ...SMALL_ROLLOUT.rollout!,
        steps: [{ at: '20s', batch: { name: 'late', package: 'fw', fromVersion: 'V1.0' } }],
      },
      stop: { duration: '40s', whenSettled: true },
    });
    const ctrlC = new AbortController();
    const startDelayMs = 2500;
    // no `log`: the parent logs into its report folder, where the test reads the shared server's URL
    const running = runProcesses({
      scenarioFile: file,
      processes: 2,
      out,
      workers: 1,
      signal: ctrlC.signal,
      startDelayMs,
    });
    // Ctrl-C once every device of both processes has booted: each reports its version once at boot
    // (the batch starts at 20 s, so no device upgrades and reports again before the Ctrl-C)
    await waitForEmbeddedCalls(out, 'report-version', 20);
    const abortedAt = Date.now();
    ctrlC.abort('interrupted');
    const { summary, dir } = await running;
    expect(Date.now() - abortedAt).toBeLessThan(20_000);
    expect(summary.run).toMatchObject({ partial: true, partialReason: 'interrupted', devices: 20 });
    expect(summary.totals.devices.booted).toBe(20);
    expect(summary.rollout?.upgraded ?? 0).toBe(0);
    const kids = await childSummaries(dir);
    expect(kids.map((k) => k.run.partialReason)).toEqual(['interrupted', 'interrupted']);
  }, 60_000);
});

describe('runProcesses refuses before starting anything', () => {
  it('a process count outside 1..fleet size, a bad duration and an invalid scenario', async () => {
    const { file, out } = await scenarioFile(SMALL_ROLLOUT);
    const run = (extra: Partial<Parameters<typeof runProcesses>[0]>) =>
      runProcesses({ scenarioFile: file, processes: 2, out, log: silentLog, ...extra });
    await expect(run({ processes: 0 })).rejects.toMatchObject({ code: 'ERR_USAGE' });
    await expect(run({ processes: 21 })).rejects.toThrow(/from 1 to the fleet size 20 \(got 21\)/);
    await expect(run({ duration: 'soon' })).rejects.toMatchObject({ code: 'ERR_USAGE' });
    const bad = join(out, '..', 'bad.yaml');
    await writeFile(bad, 'name: bad\nfleet: { count: 0 }\n', 'utf8');
    await expect(run({ scenarioFile: bad })).rejects.toMatchObject({ code: 'ERR_SCENARIO_INVALID' });
  });
});
