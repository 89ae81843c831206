/**
 * zod schema of summary.json (schema version 1), checked against the hand-written `RunSummary`
 * type. Objects are loose: unknown fields are kept (a newer minor writer may add some), known
 * fields must have the right shape.
 */
import { z } from 'zod';
import type { RunSummary } from '../metrics/run-summary.ts';
import { SCHEMA_VERSION } from '../metrics/run-summary.ts';
import { OTA_CALLS, type OtaCall } from '../ota/routes.ts';

const count = z.number().nonnegative();
const micros = z.number().nonnegative();

const latencyStats = z.looseObject({
  count,
  min: micros,
  max: micros,
  mean: micros,
  stddev: micros,
  p50: micros,
  p90: micros,
  p95: micros,
  p99: micros,
  p99_9: micros,
});

const callSummary = z.looseObject({
  count,
  failed: count,
  latency: latencyStats,
  latencyByOutcome: z.looseObject({ ok: latencyStats, error: latencyStats }),
  cut: z.looseObject({ count, age: latencyStats }).optional(),
});

const callEnum = z.enum(OTA_CALLS as [OtaCall, ...OtaCall[]]);

// Every call is optional: a summary written before a call existed simply lacks it (issue 9 §6).
const calls = z.looseObject(
  Object.fromEntries(OTA_CALLS.map((c) => [c, callSummary.optional()])) as Record<
    OtaCall,
    z.ZodOptional<typeof callSummary>
  >,
);

const errorSample = z.looseObject({
  code: z.string(),
  call: callEnum,
  method: z.string(),
  path: z.string(),
  status: z.number().optional(),
  errno: z.number().optional(),
  body: z.string().optional(),
  detail: z.string().optional(),
  atMs: z.number(),
});

const verdict = z.looseObject({
  status: z.enum(['refused', 'failed', 'regressed', 'stalled', 'passed', 'completed']),
  partial: z.boolean(),
  reasons: z.array(z.string()),
  cause: z.string().optional(),
  warnings: z.array(z.string()).optional(),
});

const callPoint = z.looseObject({ count, errors: count, p50: micros, p90: micros, p99: micros });

const timePoint = z.looseObject({
  t: z.number().int().nonnegative(),
  requests: count,
  errors: count,
  bytes: count,
  upgraded: count,
  failed: count,
  cancelled: count,
  active: count,
  errorsByCode: z.record(z.string(), count),
  calls: z.partialRecord(callEnum, callPoint),
});

const rolloutCounts = z.looseObject({ upgraded: count, failed: count, cancelled: count });

const rollout = z.looseObject({
  targeted: count,
  upgraded: count,
  failed: count,
  cancelled: count,
  pending: count,
  pendingFrom: z.enum(['server', 'devices']).optional(),
  devices: z.looseObject({ withTask: count, upgraded: count }).optional(),
  overcounted: count.optional(),
  upgradedFraction: z.number().min(0),
  timeTo: z.looseObject({
    p50: z.number().nullable(),
    p90: z.number().nullable(),
    p99: z.number().nullable(),
  }),
  convergence: z.array(
    z.looseObject({ t: z.number().nonnegative(), upgraded: count, failed: count, cancelled: count }),
  ),
  byStartVersion: z.record(z.string(), rolloutCounts),
  byProfile: z.record(z.string(), rolloutCounts),
  failedBySteps: z.record(z.string(), count),
  batches: z.array(
    z.looseObject({
      name: z.string(),
      id: z.string(),
      status: z.string(),
      targeted: count,
      counts: z.record(z.string(), z.number()),
    }),
  ),
});

const run = z.looseObject({
  id: z.string(),
  startedAt: z.iso.datetime({ offset: true }),
  endedAt: z.iso.datetime({ offset: true }),
  durationMs: count,
  partial: z.boolean(),
  partialReason: z.string().optional(),
  endReason: z.string().optional(),
  seed: z.number(),
  target: z.looseObject({ url: z.string(), embedded: z.boolean(), dialect: z.enum(['studio', 'fuse']) }),
  shard: z.looseObject({ index: z.number().int().positive(), count: z.number().int().positive() }).optional(),
  workers: count,
  devices: count,
});

const totals = z.looseObject({
  requests: count,
  failedRequests: count,
  successRate: z.number().min(0).max(1),
  errorRate: z.number().min(0).max(1),
  bytes: count,
  rps: count,
  throughputBytesPerSec: count,
  retries: count,
  downloadResumes: count,
  cutRequests: count.optional(),
  devices: z.looseObject({
    booted: count,
    withTask: count,
    upgraded: count,
    failed: count,
    cancelled: count,
    startsDropped: count,
    reboots: count,
    fullyUpgraded: z.number().optional(),
  }),
});

/** The summary.json schema (version 1). */
export const runSummarySchema = z.looseObject({
  schemaVersion: z.literal(SCHEMA_VERSION),
  tool: z.looseObject({ name: z.string(), version: z.string() }),
  scenario: z.looseObject({ name: z.string(), file: z.string(), sha256: z.string(), source: z.string() }),
  run,
  verdict: verdict.optional(),
  totals,
  calls,
  durations: z.record(z.string(), latencyStats),
  errors: z.array(z.looseObject({ code: z.string(), call: callEnum.optional(), detail: z.string(), count })),
  errorSamples: z.array(errorSample).optional(),
  rollout: rollout.optional(),
  timeseries: z.array(timePoint),
  counters: z.record(z.string(), z.number()),
  histograms: z.record(z.string(), z.string()),
  thresholds: z
    .array(
      z.looseObject({
        metric: z.string(),
        expression: z.string(),
        observed: z.number().nullable(),
        ok: z.boolean(),
      }),
    )
    .optional(),
  comparison: z
    .looseObject({
      baseline: z.string(),
      ok: z.boolean(),
      items: z.array(
        z.looseObject({
          metric: z.string(),
          baseline: z.number().nullable(),
          current: z.number().nullable(),
          change: z.number().nullable(),
          ok: z.boolean(),
        }),
      ),
    })
    .optional(),
  notes: z.array(z.string()),
});

// Compile-time check that the schema's output is a RunSummary.
const _matches: (v: z.output<typeof runSummarySchema>) => RunSummary = (v) => v;
void _matches;
