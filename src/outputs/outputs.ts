/**
 * How `--metrics-listen [HOST:]PORT` and the typed `--out KIND=TARGET` forms become run observers
 * (k6's `--out`): parsing (usage errors as ERR_USAGE), starting them before the run and closing them
 * after the report is written. Main thread, called by the CLI only.
 */

import type { RunObserver } from '../engine/observer.ts';
import { OtaFleetError } from '../error-codes.ts';
import { openNdjsonOutput } from './ndjson.ts';
import { type ListenAddress, startPrometheusOutput } from './prometheus.ts';

/** Kinds of typed `--out KIND=TARGET` outputs. */
export const OUTPUT_KINDS = ['ndjson'] as const;

/** One typed output: `ndjson=FILE` (`-` is stdout). */
export interface OutputSpec {
  kind: (typeof OUTPUT_KINDS)[number];
  target: string;
}

/** The `--out` values split into the report folder (the last plain value) and the typed outputs. */
export function parseOutFlags(values: string | readonly string[] | undefined, defaultDir = 'reports') {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  let dir = defaultDir;
  const outputs: OutputSpec[] = [];
  for (const v of list) {
    const m = /^([a-z][a-z0-9-]*)=(.*)$/.exec(v);
    if (m === null) {
      dir = v;
      continue;
    }
    const kind = m[1]!;
    if (!(OUTPUT_KINDS as readonly string[]).includes(kind))
      throw new OtaFleetError(
        'ERR_USAGE',
        `--out ${v}: unknown output ${JSON.stringify(kind)} (known: ${OUTPUT_KINDS.join(', ')}; a plain value is the report folder)`,
      );
    if (m[2] === '') throw new OtaFleetError('ERR_USAGE', `--out ${v}: give a file, or - for stdout`);
    outputs.push({ kind: kind as OutputSpec['kind'], target: m[2]! });
  }
  if (outputs.filter((o) => o.target === '-').length > 1)
    throw new OtaFleetError('ERR_USAGE', 'only one --out may write to stdout (-)');
  return { dir, outputs };
}

/** Parses `--metrics-listen [HOST:]PORT` (`9464`, `127.0.0.1:9464`, `[::1]:0`); the host defaults to loopback. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[2]);
  if (m === null || !Number.isInteger(port) || port > 65535)
    throw new OtaFleetError(
      'ERR_USAGE',
      `--metrics-listen must be [HOST:]PORT, e.g. 9464 or 127.0.0.1:9464 (got ${JSON.stringify(text)})`,
    );
  const host = (m[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}

/** The live outputs of one run, started. */
export interface RunOutputs {
  observers: RunObserver[];
  /** True when an output writes to stdout: the end-of-run table then goes to stderr. */
  stdoutTaken: boolean;
  /** The `/metrics` URL when `--metrics-listen` was given. */
  metricsUrl?: string;
  close(): Promise<void>;
}

/** Starts the outputs a run asked for (listening before the run begins). */
export async function startRunOutputs(o: {
  metricsListen?: string | undefined;
  outputs?: readonly OutputSpec[] | undefined;
}): Promise<RunOutputs> {
  const address = o.metricsListen !== undefined ? parseListenAddress(o.metricsListen) : undefined;
  const observers: RunObserver[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  let stdoutTaken = false;
  for (const spec of o.outputs ?? []) {
    const out = openNdjsonOutput(spec.target);
    observers.push(out.observer);
    closers.push(() => out.close());
    stdoutTaken ||= out.toStdout;
  }
  let metricsUrl: string | undefined;
  if (address !== undefined) {
    const prom = await startPrometheusOutput(address).catch((err: unknown) => {
      throw new OtaFleetError(
        'ERR_USAGE',
        `--metrics-listen ${o.metricsListen}: cannot listen (${err instanceof Error ? err.message : String(err)})`,
      );
    });
    observers.push(prom.observer);
    closers.push(() => prom.close());
    metricsUrl = prom.url;
  }
  return {
    observers,
    stdoutTaken,
    ...(metricsUrl !== undefined ? { metricsUrl } : {}),
    async close() {
      for (const c of closers) await c();
    },
  };
}
