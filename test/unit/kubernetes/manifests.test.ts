import { resolve } from 'node:path';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { renderKubernetes, renderYaml } from '../../../src/cli/kubernetes.ts';
import type { KubeObject } from '../../../src/kubernetes/manifests.ts';
import { envReferences, runName } from '../../../src/kubernetes/manifests.ts';
import { MEASURED_COST, sizeShard } from '../../../src/kubernetes/sizing.ts';
import { loadScenario } from '../../../src/scenario/load.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const NOW = Date.UTC(2026, 11, 4, 20, 0, 0, 300);
const base = {
  image: 'registry.example/ota-fleet:1.0',
  namespace: 'load',
  startIn: '60s',
  resultsClaim: 'results',
  secret: 'ota-keys',
  metrics: true,
  serve: false,
  out: '-',
};

/** Validates an object against the Kubernetes OpenAPI schema of its kind (throws on a violation). */
function validate(o: KubeObject): void {
  const models: Record<string, new (d: never) => { validate(): void }> = {
    ConfigMap,
    Job,
    Deployment,
    Service,
    PersistentVolumeClaim,
  };
  const Model = models[o.kind];
  if (!Model) throw new Error(`no model for ${o.kind}`);
  new Model(o as never).validate();
}

/** Renders, then reads the YAML back as kubectl would. */
async function rendered(
  args: Partial<typeof base> & { scenario?: string; shards?: number; baseline?: string },
) {
  const text = renderYaml(await renderKubernetes({ ...base, ...args }, NOW));
  return parseAllDocuments(text).map((d) => d.toJS() as KubeObject);
}

type Container = {
  args: string[];
  command: string[];
  env?: unknown[];
  resources: unknown;
  ports?: unknown[];
};
function podOf(job: KubeObject) {
  const spec = job.spec as {
    template: {
      spec: { containers: Container[]; affinity?: unknown };
      metadata: { annotations?: Record<string, string> };
    };
  };
  return spec.template;
}

describe('ota-fleet kubernetes: a sharded run as an Indexed Job', () => {
  it('renders a ConfigMap, an Indexed Job and a collector Job that validate against the Kubernetes schemas', async () => {
    const objects = await rendered({ scenario: `${ROOT}/scenarios/ci-gate.yaml`, shards: 4 });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'Job']);
    for (const o of objects) expect(() => validate(o), o.metadata.name).not.toThrow();
    const [cm, job, collector] = objects as [KubeObject, KubeObject, KubeObject];
    const run = 'ci-gate-20261204-200101';
    expect(cm.metadata).toMatchObject({ name: `${run}-scenario`, namespace: 'load' });
    const loaded = await loadScenario(`${ROOT}/scenarios/ci-gate.yaml`);
    expect((cm.data as Record<string, string>)['ci-gate.yaml']).toBe(loaded.source);
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 4, parallelism: 4 });
    const pod = podOf(job);
    expect(pod.metadata.annotations).toEqual({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '9464',
      'prometheus.io/path': '/metrics',
    });
    expect(pod.spec.affinity).toHaveProperty('podAntiAffinity');
    const c = pod.spec.containers[0]!;
    expect(c.command).toEqual(['sh', '-c']);
    expect(c.args[0]).toContain(
      `ota-fleet run /scenario/ci-gate.yaml --shard "$((JOB_COMPLETION_INDEX + 1))/4" --start-at 2026-12-04T20:01:01.000Z --out "/results/${run}/shard-$JOB_COMPLETION_INDEX"`,
    );
    expect(c.args[0]).toContain('--metrics-listen 0.0.0.0:9464');
    const cc = podOf(collector).spec.containers[0]!;
    expect(cc.args[0]).toMatch(
      new RegExp(
        `^ota-fleet report merge --wait 4 --timeout \\d+s '/results/${run}/shard-\\*' --out /results/${run}/merged$`,
      ),
    );
  });

  it('turns the scenario ${NAME} references into Secret key references, never values', async () => {
    process.env.OTA_ACCESS_KEY = 'c2VjcmV0LXZhbHVlLW5vdC1pbi15YW1s';
    try {
      const objects = await rendered({ scenario: `${ROOT}/scenarios/external-target.yaml`, shards: 2 });
      for (const o of objects) validate(o);
      const text = JSON.stringify(objects);
      expect(text).not.toContain(process.env.OTA_ACCESS_KEY);
      expect(podOf(objects[1]!).spec.containers[0]!.env).toEqual([
        {
          name: 'OTA_URL',
          valueFrom: { secretKeyRef: { name: 'ota-keys', key: 'OTA_URL', optional: true } },
        },
        {
          name: 'OTA_PRODUCT_ID',
          valueFrom: { secretKeyRef: { name: 'ota-keys', key: 'OTA_PRODUCT_ID', optional: true } },
        },
        { name: 'OTA_ACCESS_KEY', valueFrom: { secretKeyRef: { name: 'ota-keys', key: 'OTA_ACCESS_KEY' } } },
      ]);
    } finally {
      delete process.env.OTA_ACCESS_KEY;
    }
  });

  it('adds compare to the collector when a baseline is given, and drops metrics with --no-metrics', async () => {
    const objects = await rendered({
      scenario: `${ROOT}/scenarios/ci-gate.yaml`,
      shards: 3,
      baseline: '/results/baselines/ci-gate',
      metrics: false,
    });
    for (const o of objects) validate(o);
    expect(podOf(objects[2]!).spec.containers[0]!.args[0]).toMatch(
      / && ota-fleet compare \/results\/baselines\/ci-gate \/results\/ci-gate-\d{8}-\d{6}\/merged$/,
    );
    const pod = podOf(objects[1]!);
    expect(pod.metadata.annotations).toBeUndefined();
    expect(pod.spec.containers[0]!.args[0]).not.toContain('--metrics-listen');
  });

  it('refuses more shards than devices and a bad --start-in', async () => {
    await expect(rendered({ scenario: `${ROOT}/scenarios/ci-gate.yaml`, shards: 31 })).rejects.toThrow(
      /--shards 31 is more than the fleet's 30 devices/,
    );
    await expect(
      rendered({ scenario: `${ROOT}/scenarios/ci-gate.yaml`, shards: 2, startIn: 'soon' }),
    ).rejects.toThrow(/--start-in/);
  });

  it('renders ota-fleet serve as a PersistentVolumeClaim, Deployment and Service that validate', async () => {
    const objects = await rendered({ serve: true, secret: 'serve-admin' });
    expect(objects.map((o) => o.kind)).toEqual(['PersistentVolumeClaim', 'Deployment', 'Service']);
    for (const o of objects) validate(o);
    const c = (objects[1]!.spec as { template: { spec: { containers: Container[] } } }).template.spec
      .containers[0]!;
    expect(c.args).toEqual(expect.arrayContaining(['serve', '--host', '0.0.0.0', '--data', '/data/ota.db']));
    expect(c.args.join(' ')).toContain('--admin-token $(ADMIN_TOKEN)');
    expect(c.env).toEqual([
      { name: 'ADMIN_TOKEN', valueFrom: { secretKeyRef: { name: 'serve-admin', key: 'admin-token' } } },
    ]);
  });
});

describe('manifest helpers', () => {
  it('names a run after its scenario and start, DNS-safe', () => {
    expect(runName('My_Gate v2', Date.UTC(2026, 0, 2, 3, 4, 5))).toBe('my-gate-v2-20260102-030405');
  });

  it('finds each ${NAME} once, optional only when every use has a default, and skips $${', () => {
    expect(envReferences('a: ${A}\nb: ${B:-x}\nc: $${C}\nd: ${A:-y}\ne: ${B:-z}')).toEqual([
      { name: 'A', optional: false },
      { name: 'B', optional: true },
    ]);
  });
});

describe('sizeShard: requests from the measured cost per device', () => {
  it('grows memory with devices and CPU with the request rate, with headroom over the measurement', async () => {
    const loaded = await loadScenario(`${ROOT}/scenarios/ci-gate.yaml`);
    if (!loaded.ok) throw new Error('ci-gate.yaml is invalid');
    const small = sizeShard(loaded.scenario, 1000);
    const big = sizeShard(loaded.scenario, 10_000);
    const mib = (q: string) => Number(q.replace('Mi', ''));
    const milli = (q: string) => Number(q.replace('m', ''));
    const measured = MEASURED_COST.baseMemoryMiB + (10_000 * MEASURED_COST.memoryPerDeviceKiB) / 1024;
    expect(mib(big.requests.memory)).toBeGreaterThan(measured);
    expect(mib(big.requests.memory)).toBeLessThan(measured * 2);
    expect(mib(big.limits.memory)).toBe(2 * mib(big.requests.memory));
    // ci-gate polls every second: 10,000 devices make 10,000 requests/s
    expect(big.requestsPerSecond).toBe(10_000);
    expect(milli(big.requests.cpu)).toBeGreaterThan(milli(small.requests.cpu) * 5);
    expect(big.sockets).toBe(10_000);
  });
});

describe('deploy/kubernetes examples', () => {
  it('every committed example object validates against the Kubernetes schemas', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = `${ROOT}/deploy/kubernetes`;
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      const objects = parseAllDocuments(readFileSync(`${dir}/${f}`, 'utf8')).map(
        (d) => d.toJS() as KubeObject,
      );
      expect(objects.length, f).toBeGreaterThanOrEqual(3);
      for (const o of objects) expect(() => validate(o), `${f} ${o.kind}`).not.toThrow();
    }
  });
});
