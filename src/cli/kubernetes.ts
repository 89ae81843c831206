/**
 * `ota-fleet kubernetes SCENARIO --shards N --image IMAGE`: writes `kubectl apply -f`-ready manifests
 * of a sharded run (ConfigMap, Indexed Job, collector Job); `--serve` writes those of a reference
 * server instead. Thin: rendering is src/kubernetes/, pure.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { stringify } from 'yaml';
import type { ArgumentsCamelCase, Argv } from 'yargs';
import { OtaFleetError } from '../error-codes.ts';
import { envReferences, type KubeObject, renderShardedRun } from '../kubernetes/manifests.ts';
import { renderServe } from '../kubernetes/serve.ts';
import { formatProblem, loadScenario } from '../scenario/load.ts';
import { parseDuration } from '../scenario/units.ts';
import type { Command } from './command.ts';

/** Flags of `ota-fleet kubernetes`. */
export interface KubernetesArgs {
  scenario?: string;
  shards?: number;
  image: string;
  namespace: string;
  startIn: string;
  resultsClaim: string;
  secret: string;
  baseline?: string;
  metrics: boolean;
  serve: boolean;
  out: string;
}

/** What a `${NAME}` reads as while the scenario is checked for rendering (never rendered itself). */
const SECRET_STAND_IN = 'http://from-the-secret.invalid';

/** Joins objects into one multi-document YAML stream. */
export function renderYaml(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

/** Renders the manifests the flags ask for (`now` is the render time, epoch ms). */
export async function renderKubernetes(args: KubernetesArgs, now = Date.now()): Promise<KubeObject[]> {
  if (args.serve)
    return renderServe({ image: args.image, namespace: args.namespace, secretName: args.secret });
  if (args.scenario === undefined)
    throw new OtaFleetError('ERR_USAGE', 'kubernetes needs a SCENARIO (or --serve)');
  const shards = args.shards;
  if (shards === undefined || !Number.isInteger(shards) || shards < 1)
    throw new OtaFleetError('ERR_USAGE', `--shards must be a positive integer (got ${shards})`);
  const startIn = parseDuration(args.startIn);
  if (startIn === undefined)
    throw new OtaFleetError(
      'ERR_USAGE',
      `--start-in must be like 60s or 5m (got ${JSON.stringify(args.startIn)})`,
    );
  const file = resolve(args.scenario);
  // the values of ${NAME} live in the cluster's Secret, not here: the file is checked with a stand-in
  // for each (a URL, so that a target.url placeholder passes too), and never with this machine's env
  const source = await readFile(file, 'utf8').catch(() => '');
  const env = Object.fromEntries(envReferences(source).map((r) => [r.name, SECRET_STAND_IN]));
  const loaded = await loadScenario(file, { env });
  if (!loaded.ok)
    throw new OtaFleetError(
      'ERR_SCENARIO_INVALID',
      `${file} is invalid:\n${loaded.problems.map(formatProblem).join('\n')}`,
    );
  if (shards > loaded.scenario.fleet.count)
    throw new OtaFleetError(
      'ERR_USAGE',
      `--shards ${shards} is more than the fleet's ${loaded.scenario.fleet.count} devices`,
    );
  return renderShardedRun({
    scenario: loaded.scenario,
    scenarioSource: loaded.source,
    scenarioFileName: basename(file),
    shards,
    image: args.image,
    namespace: args.namespace,
    startAtMs: Math.ceil((now + startIn) / 1000) * 1000,
    nowMs: now,
    resultsClaim: args.resultsClaim,
    secretName: args.secret,
    ...(args.baseline !== undefined ? { baseline: args.baseline } : {}),
    metrics: args.metrics,
  });
}

/** The yargs module of `ota-fleet kubernetes`. */
export const kubernetesCommand: Command<KubernetesArgs> = {
  command: 'kubernetes [scenario]',
  describe: 'Write Kubernetes manifests: a sharded run as an Indexed Job (or --serve: a reference server)',
  builder: (y: Argv) =>
    y
      .positional('scenario', { type: 'string', describe: 'Scenario file (YAML or JSON)' })
      .option('shards', { type: 'number', describe: 'Pods of the Indexed Job; pod i runs shard i+1/N' })
      .option('image', {
        type: 'string',
        demandOption: true,
        describe: 'Image whose entrypoint is ota-fleet',
      })
      .option('namespace', { type: 'string', default: 'default', describe: 'Namespace of every object' })
      .option('start-in', {
        type: 'string',
        default: '60s',
        describe: 'Every shard starts at render time + this (one absolute --start-at)',
      })
      .option('results-claim', {
        type: 'string',
        default: 'ota-fleet-results',
        describe: 'ReadWriteMany PersistentVolumeClaim mounted at /results',
      })
      .option('secret', {
        type: 'string',
        default: 'ota-fleet',
        describe: "Secret holding the scenario's ${NAME} values (--serve: key admin-token)",
      })
      .option('baseline', {
        type: 'string',
        describe: 'Baseline report on the results volume: the collector runs compare after the merge',
      })
      .option('metrics', {
        type: 'boolean',
        default: true,
        describe: 'Shards serve Prometheus metrics on :9464 (--no-metrics: neither flag nor annotations)',
      })
      .option('serve', {
        type: 'boolean',
        default: false,
        describe: 'Manifests of `ota-fleet serve` instead',
      })
      .option('out', { type: 'string', default: '-', describe: 'File to write, - for stdout' })
      .example(
        '$0 kubernetes scenarios/ci-gate.yaml --shards 4 --image registry.example/ota-fleet:1 | kubectl apply -f -',
        '',
      )
      .example(
        '$0 kubernetes --serve --image registry.example/ota-fleet:1 --out serve.yaml',
        '',
      ) as unknown as Argv<KubernetesArgs>,
  handler: async (argv: ArgumentsCamelCase<KubernetesArgs>) => {
    const text = renderYaml(await renderKubernetes(argv));
    if (argv.out === '-') process.stdout.write(text);
    else {
      await writeFile(argv.out, text, 'utf8');
      process.stderr.write(`wrote ${argv.out}\n`);
    }
  },
};
