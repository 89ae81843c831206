/**
 * The rendered Indexed Job replayed locally: the built CLI renders the manifests, every object
 * validates against the Kubernetes schemas, then the Job's container command line runs as 4 local
 * processes (JOB_COMPLETION_INDEX 0..3, the Secret's keys as environment, /scenario and /results
 * mapped to temp folders) against a local `ota-fleet serve`, then the collector's command line. The
 * merged report's deterministic counts equal those of one process running the same scenario and seed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { RunSummary } from '../../../src/report/summary.ts';
import { loadSummary } from '../../../src/report/write.ts';
import { createAdminClient } from '../../../src/server/api/admin-client.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const CLI = join(ROOT, 'dist/cli.js');
const SCENARIO = join(import.meta.dirname, 'replay.yaml');
const SHARDS = 4;
const ADMIN_TOKEN = 'replay-admin-token';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exitOf(child: ChildProcess): Promise<Exit> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

/** A real `ota-fleet serve` on 127.0.0.1:0; resolves once its banner names the URL. */
async function startServe(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--port',
      '0',
      '--admin-token',
      ADMIN_TOKEN,
      '--no-seed-demo',
      '--log-format',
      'json',
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = exitOf(child);
  const url = await new Promise<string>((ok, fail) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m) ok(m[1]!);
    });
    void exited.then((e) => fail(new Error(`serve exited ${e.code}: ${e.stderr}`)));
  });
  return {
    url,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** What an operator sets up on the server before the run: the product and its fleet (the run plays the rollout). */
async function seed(url: string): Promise<Record<string, string>> {
  const admin = createAdminClient(url, ADMIN_TOKEN);
  try {
    const product = await admin.createProduct({ id: 'replay' });
    await admin.createDevices(product.id, {
      namePattern: 'dev-{index:03}',
      count: 40,
      versions: { f_version: { 'V1.0': 1 } },
      seed: 7,
      returnDevices: false,
    });
    // the values of the Secret the manifests refer to
    return {
      OTA_URL: url,
      OTA_PRODUCT_ID: product.id,
      OTA_ACCESS_KEY: product.accessKey,
      OTA_ADMIN_TOKEN: ADMIN_TOKEN,
    };
  } finally {
    await admin.close();
  }
}

/** The counts of a run that do not depend on timing (polls of `check` do). */
function deterministic(s: RunSummary) {
  const c = s.counters;
  const sum = (prefix: string) =>
    Object.entries(c)
      .filter(([k]) => k === prefix || k.startsWith(`${prefix}{`))
      .reduce((n, [, v]) => n + v, 0);
  return {
    devices: s.run.devices,
    booted: sum('devices_booted'),
    upgraded: sum('devices_upgraded'),
    reportVersion: c['ota_requests{call=report-version}'],
    download: c['ota_requests{call=download}'],
    reportStatus: c['ota_requests{call=report-status}'],
    bytes: sum('ota_download_bytes'),
    failedRequests: s.totals.failedRequests,
  };
}

let tmp: string;
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('run `npm run -s build` first: this test runs the built CLI');
  tmp = mkdtempSync(join(tmpdir(), 'ota-fleet-k8s-replay-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('the rendered Indexed Job, replayed as local processes', () => {
  it('merges 4 shards into the counts of one process running the same seed', {
    timeout: 180_000,
  }, async () => {
    // 1. render with the built CLI, as a user would, and validate every object
    const manifests = join(tmp, 'manifests.yaml');
    const render = await exitOf(
      spawn(process.execPath, [
        CLI,
        'kubernetes',
        SCENARIO,
        '--shards',
        String(SHARDS),
        '--image',
        'ota-fleet:replay',
        '--start-in',
        '5s',
        '--secret',
        'replay',
        '--out',
        manifests,
      ]),
    );
    expect(render.code, render.stderr).toBe(0);
    const objects = parseAllDocuments(readFileSync(manifests, 'utf8')).map((d) => d.toJS());
    const [configMap, job, collector] = objects as [ConfigMap, Job, Job];
    for (const o of [configMap, job, collector])
      expect(() => new (o.kind === 'ConfigMap' ? ConfigMap : Job)(o as never).validate()).not.toThrow();
    expect(job.spec?.completionMode).toBe('Indexed');

    // 2. the pod's world on this machine: the ConfigMap mounted, the results claim, `ota-fleet` on PATH
    const scenarioDir = join(tmp, 'scenario');
    const resultsDir = join(tmp, 'results');
    const bin = join(tmp, 'bin');
    for (const d of [scenarioDir, resultsDir, bin]) mkdirSync(d, { recursive: true });
    for (const [file, text] of Object.entries(configMap.data ?? {}))
      writeFileSync(join(scenarioDir, file), text);
    writeFileSync(join(bin, 'ota-fleet'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(bin, 'ota-fleet'), 0o755);
    const help = await exitOf(spawn(process.execPath, [CLI, 'run', '--help']));
    const hasMetrics = help.stdout.includes('--metrics-listen');
    const mapPaths = (line: string) =>
      line
        .replaceAll('/scenario/', `${scenarioDir}/`)
        .replaceAll('/results/', `${resultsDir}/`)
        // four pods on one machine cannot share port 9464; without the outputs' flag, no metrics
        .replace(/ --metrics-listen 0\.0\.0\.0:9464/, hasMetrics ? ' --metrics-listen 127.0.0.1:0' : '');
    const container = job.spec!.template.spec!.containers[0]!;
    expect(container.command).toEqual(['sh', '-c']);
    const shardLine = mapPaths(container.args![0]!);
    const collectLine = mapPaths(collector.spec!.template.spec!.containers[0]!.args![0]!);
    const startAt = /--start-at (\S+)/.exec(shardLine)![1]!;

    // 3. the shards, against one `ota-fleet serve` by URL; the Secret's keys become the environment
    const serveA = await startServe();
    let merged: RunSummary;
    let shards: RunSummary[];
    try {
      const secret = await seed(serveA.url);
      const env = (extra: Record<string, string>) => ({
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        ...Object.fromEntries(
          (container.env ?? []).map((e) => [e.name, secret[e.valueFrom!.secretKeyRef!.key]!]),
        ),
        ...extra,
      });
      expect((container.env ?? []).map((e) => e.name).sort()).toEqual([
        'OTA_ACCESS_KEY',
        'OTA_ADMIN_TOKEN',
        'OTA_PRODUCT_ID',
        'OTA_URL',
      ]);
      const collecting = exitOf(spawn('sh', ['-c', collectLine], { env: env({}) }));
      const exits = await Promise.all(
        Array.from({ length: SHARDS }, (_, i) =>
          exitOf(spawn('sh', ['-c', shardLine], { env: env({ JOB_COMPLETION_INDEX: String(i) }) })),
        ),
      );
      for (const e of exits) expect(e.code, e.stderr).toBe(0);
      // 4. the collector, started beside the shards, waited for their summaries
      const collected = await collecting;
      expect(collected.code, collected.stderr).toBe(0);
      const run = /\/results\/([^/]+)\/merged/.exec(
        collector.spec!.template.spec!.containers[0]!.args![0]!,
      )![1]!;
      merged = await loadSummary(join(resultsDir, run, 'merged'));
      shards = await Promise.all(
        Array.from({ length: SHARDS }, (_, i) => loadSummary(join(resultsDir, run, `shard-${i}`))),
      );
    } finally {
      await serveA.stop();
    }
    // one clock: every shard started at the rendered --start-at, or says how late it was
    for (const s of shards) {
      const late = s.notes.find((n) => n.startsWith('Started '));
      if (late === undefined) expect(s.run.startedAt).toBe(startAt);
      else expect(late).toContain(`--start-at was ${startAt}`);
    }
    // target.admin: shard 1 played the rollout, the other shards only polled
    expect(shards.map((s) => s.rollout?.batches?.length ?? 0)).toEqual([1, 0, 0, 0]);
    expect(merged.rollout?.batches?.map((b) => b.name)).toEqual(['all-v1.0']);
    expect(merged.rollout?.targeted).toBe(40);
    expect(shards.map((s) => s.run.shard)).toEqual(
      Array.from({ length: SHARDS }, (_, i) => ({ index: i + 1, count: SHARDS })),
    );

    // 5. one process, the same scenario and seed, against a fresh server seeded the same way
    const serveB = await startServe();
    let single: RunSummary;
    try {
      const secret = await seed(serveB.url);
      const out = join(tmp, 'single');
      const e = await exitOf(
        spawn(process.execPath, [CLI, 'run', join(scenarioDir, 'replay.yaml'), '--out', out, '--quiet'], {
          env: { ...process.env, ...secret },
        }),
      );
      expect(e.code, e.stderr).toBe(0);
      single = await loadSummary(out);
    } finally {
      await serveB.stop();
    }
    const want = deterministic(single);
    // report-version twice a device: at boot and after its upgrade
    expect(want).toMatchObject({
      devices: 40,
      booted: 40,
      upgraded: 40,
      reportVersion: 80,
      failedRequests: 0,
    });
    expect(deterministic(merged)).toEqual(want);
    expect(merged.run.shard).toEqual({ index: 1, count: 1 });
  });
});
