/**
 * `ota-fleet kubernetes`: the manifests of a sharded run as a Kubernetes Indexed Job (pure). A
 * ConfigMap holds the scenario text; the scenario's `${NAME}` references become environment variables
 * read from a Secret the user creates (never a value); an Indexed Job runs shard i+1/N in pod i, all
 * starting at one absolute time; a collector Job waits for the N summaries, merges them and gates.
 * Pod commands are `sh -c` lines (Kubernetes' own `$(VAR)` expansion cannot add 1 to the index).
 */
import type { Scenario } from '../scenario/schema.ts';
import { type ShardSizing, sizeShard } from './sizing.ts';

/** A Kubernetes object as plain JSON (validated by the tests with kubernetes-models). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/** Port of `--metrics-listen` in the shard pods (the Prometheus scrape annotations point at it). */
export const METRICS_PORT = 9464;

/** Options of `renderShardedRun`. */
export interface ShardedRunOptions {
  scenario: Scenario;
  /** The scenario file's text, as the ConfigMap carries it (placeholders unresolved). */
  scenarioSource: string;
  /** Its file name inside the ConfigMap, e.g. `ci-gate.yaml`. */
  scenarioFileName: string;
  shards: number;
  image: string;
  namespace: string;
  /** Second 0 of every shard, epoch ms. */
  startAtMs: number;
  /** When the manifests are rendered, epoch ms (the collector waits from then on). */
  nowMs: number;
  /** PersistentVolumeClaim (ReadWriteMany) the shards write into and the collector reads. */
  resultsClaim: string;
  /** Secret that holds the values of the scenario's `${NAME}` references. */
  secretName: string;
  /** Baseline report (a path on the results volume) the collector compares the merged run with. */
  baseline?: string;
  /** Add `--metrics-listen 0.0.0.0:9464` and the scrape annotations (default true). */
  metrics?: boolean;
}

/** The run's name: `<scenario>-<YYYYMMDD-HHMMSS>` of its start, DNS-1123 safe. */
export function runName(scenarioName: string, startAtMs: number): string {
  const iso = new Date(startAtMs).toISOString(); // 2026-12-04T20:00:00.000Z
  const stamp = `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}`;
  const base =
    scenarioName
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'run';
  return `${base}-${stamp}`;
}

/** Every `${NAME}` (or `${NAME:-default}`) the scenario text refers to, in order, once each. */
export function envReferences(source: string): { name: string; optional: boolean }[] {
  const out = new Map<string, boolean>();
  for (const m of source.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(:-[^}]*)?\}/g)) {
    const optional = m[2] !== undefined;
    out.set(m[1]!, (out.get(m[1]!) ?? true) && optional);
  }
  return [...out].map(([name, optional]) => ({ name, optional }));
}

/** Quotes a word for a POSIX shell line (single quotes). */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=+@%-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const LABEL = 'app.kubernetes.io';

function labels(run: string, component: string): Record<string, string> {
  return { [`${LABEL}/name`]: 'ota-fleet', [`${LABEL}/instance`]: run, [`${LABEL}/component`]: component };
}

/** The shard pod's `sh -c` line: pod i runs shard i+1/N into /results/<run>/shard-<i>. */
export function shardCommandLine(o: ShardedRunOptions, run: string): string {
  const words = [
    'ota-fleet',
    'run',
    `/scenario/${o.scenarioFileName}`,
    '--shard',
    `"$((JOB_COMPLETION_INDEX + 1))/${o.shards}"`,
    '--start-at',
    new Date(o.startAtMs).toISOString(),
    '--out',
    `"/results/${run}/shard-$JOB_COMPLETION_INDEX"`,
    '--quiet',
    ...(o.metrics !== false ? ['--metrics-listen', `0.0.0.0:${METRICS_PORT}`] : []),
  ];
  // exit 5 (thresholds) and 6 (baseline) of one shard judge a fraction of the fleet: the collector gates
  return `${words.join(' ')}; code=$?; if [ "$code" = 5 ] || [ "$code" = 6 ]; then exit 0; fi; exit "$code"`;
}

/** The collector's `sh -c` line: wait for N summaries, merge them, then compare with the baseline. */
export function collectorCommandLine(o: ShardedRunOptions, run: string, timeoutSeconds: number): string {
  const merge = [
    'ota-fleet',
    'report',
    'merge',
    '--wait',
    String(o.shards),
    '--timeout',
    `${timeoutSeconds}s`,
    `'/results/${run}/shard-*'`,
    '--out',
    `/results/${run}/merged`,
  ].join(' ');
  if (o.baseline === undefined) return merge;
  return `${merge} && ota-fleet compare ${shellQuote(o.baseline)} /results/${run}/merged`;
}

function volumes(o: ShardedRunOptions, run: string) {
  return {
    volumes: [
      { name: 'scenario', configMap: { name: `${run}-scenario` } },
      { name: 'results', persistentVolumeClaim: { claimName: o.resultsClaim } },
    ],
    mounts: [
      { name: 'scenario', mountPath: '/scenario', readOnly: true },
      { name: 'results', mountPath: '/results' },
    ],
  };
}

/** The shard pods' sizing, from the largest shard (shards differ by at most one device). */
export function shardSizing(o: Pick<ShardedRunOptions, 'scenario' | 'shards'>): ShardSizing {
  return sizeShard(o.scenario, Math.ceil(o.scenario.fleet.count / o.shards));
}

/**
 * The manifests of a sharded run, in apply order: ConfigMap, Indexed Job, collector Job. The Secret
 * is referenced only (the user creates it: `kubectl create secret generic NAME --from-literal=...`).
 */
export function renderShardedRun(o: ShardedRunOptions): KubeObject[] {
  const run = runName(o.scenario.name, o.startAtMs);
  const ns = o.namespace;
  const { volumes: vols, mounts } = volumes(o, run);
  const env = envReferences(o.scenarioSource).map(({ name, optional }) => ({
    name,
    valueFrom: { secretKeyRef: { name: o.secretName, key: name, ...(optional ? { optional: true } : {}) } },
  }));
  const size = shardSizing(o);
  const shardLabels = labels(run, 'shard');
  const metrics = o.metrics !== false;
  const configMap: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `${run}-scenario`, namespace: ns, labels: labels(run, 'scenario') },
    data: { [o.scenarioFileName]: o.scenarioSource },
  };
  const job: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${run}-shards`, namespace: ns, labels: shardLabels },
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // a shard that failed cannot rejoin the common start: the collector reports the merge as partial
      backoffLimit: 0,
      template: {
        metadata: {
          labels: shardLabels,
          ...(metrics
            ? {
                annotations: {
                  'prometheus.io/scrape': 'true',
                  'prometheus.io/port': String(METRICS_PORT),
                  'prometheus.io/path': '/metrics',
                },
              }
            : {}),
        },
        spec: {
          restartPolicy: 'Never',
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                {
                  weight: 100,
                  podAffinityTerm: {
                    topologyKey: 'kubernetes.io/hostname',
                    labelSelector: { matchLabels: shardLabels },
                  },
                },
              ],
            },
          },
          containers: [
            {
              name: 'shard',
              image: o.image,
              command: ['sh', '-c'],
              args: [shardCommandLine(o, run)],
              ...(env.length > 0 ? { env } : {}),
              ...(metrics ? { ports: [{ name: 'metrics', containerPort: METRICS_PORT }] } : {}),
              resources: { requests: size.requests, limits: size.limits },
              volumeMounts: mounts,
            },
          ],
          volumes: vols,
        },
      },
    },
  };
  const waitSeconds = Math.ceil(
    Math.max(0, o.startAtMs - o.nowMs) / 1000 + (o.scenario.stop.duration / 1000) * 1.5 + 600,
  );
  const collector: KubeObject = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: `${run}-collect`, namespace: ns, labels: labels(run, 'collector') },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels: labels(run, 'collector') },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'collect',
              image: o.image,
              command: ['sh', '-c'],
              args: [collectorCommandLine(o, run, waitSeconds)],
              resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '1Gi' } },
              volumeMounts: [{ name: 'results', mountPath: '/results' }],
            },
          ],
          volumes: [vols[1]!],
        },
      },
    },
  };
  return [configMap, job, collector];
}
