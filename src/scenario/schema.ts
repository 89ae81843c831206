/**
 * The scenario file schema (zod 4). Strict objects everywhere: an unknown key is an error.
 * Durations and sizes accept human units and come out as milliseconds and bytes.
 * `z.toJSONSchema(scenarioSchema, { io: 'input' })` gives the JSON Schema for editors.
 */
import { z } from 'zod';
import { parseDuration, parseSize } from './units.ts';

const VERSION = /^[A-Za-z0-9._-]{1,20}$/;

/** A duration: "250ms", "10s", "2m", "1h", or a number of milliseconds. Output: milliseconds. */
export const duration = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const ms = parseDuration(v);
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a duration such as "500ms", "10s" or "2m" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return ms;
  })
  .meta({ description: 'A duration such as "500ms", "10s", "2m", "1h", or a number of milliseconds' });

/** A size: "64KiB", "1MiB", "1MB", or a number of bytes. Output: bytes. */
export const size = z
  .union([z.string(), z.number()])
  .transform((v, ctx) => {
    const n = parseSize(v);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `must be a size such as "64KiB" or "1MiB" (got ${JSON.stringify(v)})`,
      });
      return z.NEVER;
    }
    return n;
  })
  .meta({ description: 'A size such as "64KiB", "1MiB", "10MB", or a number of bytes' });

const version = z.string().regex(VERSION, 'must be 1-20 characters of [A-Za-z0-9._-]');
const probability = z.number().min(0).max(1);
const module = z.enum(['fota', 'sota']).meta({
  description: 'fota = module firmware (f_version, type 1); sota = MCU software (s_version, type 2)',
});

/** Where the devices send their requests. */
export const targetSchema = z
  .strictObject({
    url: z
      .union([z.literal('embedded'), z.url({ protocol: /^https?$/ })])
      .default('embedded')
      .meta({
        description:
          '"embedded" starts the reference OTA server in a child process; or the base URL of an OTA server',
      }),
    dialect: z.enum(['studio', 'fuse']).default('studio'),
    noTaskErrno: z.union([z.literal(11), z.literal(10)]).default(11),
    host: z
      .string()
      .optional()
      .meta({ description: 'Host header to send (e.g. studio-ota.heclouds.com); default: from url' }),
  })
  .prefault({});

/** The product and how devices sign their tokens. */
export const productSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta({ description: 'Product id; created on the embedded target, required for a URL target' }),
    accessKey: z
      .string()
      .min(1)
      .optional()
      .meta({ description: 'Product access key (base64); use ${ENV_VAR} for secrets' }),
    tokenLevel: z.enum(['product', 'device']).default('product'),
    tokenMethod: z.enum(['md5', 'sha1', 'sha256']).default('sha1'),
    tokenTtl: duration.default(86_400_000).meta({ description: 'How long each token is valid' }),
    deviceKeys: z.string().optional().meta({
      description:
        'CSV file of name,key for device-level tokens against a URL target (path relative to the scenario)',
    }),
  })
  .prefault({});

/** The devices: how many, their names and starting versions. */
export const fleetSchema = z.strictObject({
  count: z.number().int().positive().max(1_000_000),
  namePattern: z
    .string()
    .regex(/\{index(:\d+)?\}/, 'must contain {index} or {index:N} (zero-padded to N digits)')
    .default('dev-{index:06}'),
  modules: z.array(module).min(1).default(['fota']),
  versions: z
    .strictObject({
      f_version: z.record(version, z.number().positive()).optional(),
      s_version: z.record(version, z.number().positive()).optional(),
    })
    .default({ f_version: { 'V1.0': 1 }, s_version: { 'V1.0': 1 } })
    .meta({ description: 'Starting versions as weights, e.g. f_version: { V1.0: 80, V0.9: 20 }' }),
  boot: z
    .strictObject({
      over: duration.default(0).meta({ description: 'Devices boot spread evenly over this window' }),
    })
    .prefault({}),
});

/** Fault probabilities a device draws (per download or per install). */
export const faultsSchema = z
  .strictObject({
    abortDownload: probability
      .default(0)
      .meta({ description: 'Chance a download is cut mid-way (the device resumes with Range)' }),
    md5Mismatch: probability
      .default(0)
      .meta({ description: 'Chance the device sees a corrupt package and reports 205' }),
    installFailure: probability
      .default(0)
      .meta({ description: 'Chance the install fails with one of 202-204, 206' }),
    lowBattery: probability
      .default(0)
      .meta({ description: 'Chance the device gives up the download with 105' }),
    reboot: probability
      .default(0)
      .meta({ description: 'Chance per task that the device reboots mid-flow and starts over' }),
    stall: probability
      .default(0)
      .meta({ description: 'Chance a download stalls for stallTime before it goes on' }),
    stallTime: duration.default(5000),
  })
  .prefault({});

/** One kind of device: how it polls, downloads and fails. */
export const profileSchema = z.strictObject({
  name: z.string().min(1),
  weight: z.number().positive().default(1),
  pollInterval: duration.default(30_000),
  pollJitter: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .meta({ description: 'Each poll waits pollInterval ± this fraction' }),
  download: z
    .strictObject({
      chunkSize: size.default(0).meta({
        description: '0 downloads the whole package in one request; otherwise Range chunks of this size',
      }),
      bandwidth: size.optional().meta({ description: 'Per-device download cap in bytes per second' }),
      progressEvery: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(10)
        .meta({ description: 'Report a progress step every N percent (0: none)' }),
      checkTaskBeforeChunk: z
        .boolean()
        .default(false)
        .meta({ description: 'Check the task state before each chunk, as the official Studio SDK does' }),
    })
    .prefault({}),
  installTime: duration.default(2000),
  faults: faultsSchema,
  retry: z
    .strictObject({
      max: z.number().int().min(0).max(100).default(5),
      baseDelay: duration.default(500),
      maxDelay: duration.default(30_000),
    })
    .prefault({}),
  requestTimeout: duration.default(10_000),
});

/** One phase of an arrival-rate load: rate devices/second, optionally ramping to rampTo. */
export const phaseSchema = z.strictObject({
  duration,
  rate: z.number().min(0),
  rampTo: z.number().min(0).optional(),
});

/** Closed (fleet) or open (arrival-rate) load model. */
export const loadSchema = z
  .discriminatedUnion('model', [
    z.strictObject({ model: z.literal('fleet') }),
    z.strictObject({
      model: z.literal('arrival-rate'),
      phases: z.array(phaseSchema).min(1),
      maxDevices: z
        .number()
        .int()
        .positive()
        .optional()
        .meta({ description: 'Most devices active at once; starts beyond it are dropped and counted' }),
    }),
  ])
  .default({ model: 'fleet' });

/** How devices hold connections. */
export const connectionsSchema = z
  .strictObject({
    mode: z.enum(['shared', 'per-device', 'per-request']).default('per-device').meta({
      description:
        'shared: one keep-alive pool per worker; per-device: one keep-alive connection each; per-request: a new connection every request',
    }),
    poolSize: z
      .number()
      .int()
      .positive()
      .max(20_000)
      .default(64)
      .meta({ description: 'Connections per worker in shared mode' }),
    localAddresses: z
      .array(z.ipv4())
      .optional()
      .meta({ description: 'Source addresses to spread connections over, e.g. 127.0.0.2..127.0.0.9' }),
  })
  .prefault({});

/** A package the rollout uploads to the embedded server. */
export const packageSchema = z.strictObject({
  name: z.string().min(1).max(20),
  module: module.default('fota'),
  type: z.enum(['full', 'diff']).default('full'),
  targetVersion: version,
  fromVersion: version.optional().meta({ description: 'For a diff package: the version it applies to' }),
  size: size.default(256 * 1024),
  description: z.string().max(100).optional(),
});

const batchAction = z.strictObject({
  name: z.string().min(1).optional(),
  package: z.string().min(1).meta({ description: 'Name of a package in rollout.packages' }),
  fromVersion: z.union([version, z.literal('never-reported')]),
  devices: z
    .array(z.string())
    .optional()
    .meta({ description: 'Only these device names (default: every device of fromVersion)' }),
  startAt: duration
    .optional()
    .meta({ description: 'Scheduled start, from the start of the run (default: immediate)' }),
  timeout: duration.default(600_000).meta({ description: 'Device-upgrade timeout' }),
  retry: z.strictObject({ count: z.number().int().min(0).max(10), interval: duration.default(0) }).optional(),
});

/** One timed step of the rollout script. */
export const rolloutStepSchema = z.union([
  z.strictObject({ at: duration, batch: batchAction }),
  z.strictObject({
    at: duration,
    cancel: z.strictObject({
      batch: z.string().min(1).meta({ description: 'Name of a batch started earlier' }),
      scope: z.enum(['all', 'scheduled']).default('all'),
    }),
  }),
  z.strictObject({
    at: duration,
    cancelDevice: z.strictObject({ batch: z.string().min(1), device: z.string().min(1) }),
  }),
]);

/** The rollout script for the embedded target. */
export const rolloutSchema = z.strictObject({
  packages: z.array(packageSchema).min(1),
  verification: z
    .union([z.literal('skip'), z.strictObject({ device: z.string().min(1) })])
    .default('skip')
    .meta({ description: '"skip", or { device } to verify each package on one test device first' }),
  steps: z.array(rolloutStepSchema).min(1),
});

/** When the run ends. */
export const stopSchema = z
  .strictObject({
    duration: duration.default(60_000).meta({ description: 'Longest the run lasts' }),
    whenSettled: z
      .boolean()
      .default(true)
      .meta({ description: 'End early once every targeted device task is finished' }),
  })
  .prefault({});

/** Threshold expressions per metric (see README), e.g. ota_check_duration: ["p(99) < 200ms"]. */
export const thresholdsSchema = z.record(z.string().min(1), z.array(z.string().min(1)).min(1));

/** The whole scenario file. */
export const scenarioSchema = z.strictObject({
  $schema: z.string().optional(),
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9._-]'),
  description: z.string().optional(),
  seed: z.number().int().default(1),
  target: targetSchema,
  product: productSchema,
  fleet: fleetSchema,
  profiles: z
    .array(profileSchema)
    .min(1)
    .prefault([{ name: 'default' }]),
  load: loadSchema,
  connections: connectionsSchema,
  rollout: rolloutSchema.optional(),
  stop: stopSchema,
  thresholds: thresholdsSchema.optional(),
  abortOnFail: z
    .strictObject({ enabled: z.boolean().default(true), grace: duration.default(10_000) })
    .optional(),
});

/** A validated scenario, as the engine uses it (durations in ms, sizes in bytes). */
export type Scenario = z.output<typeof scenarioSchema>;
/** A scenario as written in a file. */
export type ScenarioInput = z.input<typeof scenarioSchema>;
export type Profile = Scenario['profiles'][number];
export type LoadModel = Scenario['load'];
export type RolloutStep = z.output<typeof rolloutStepSchema>;
export type PackageSpec = z.output<typeof packageSchema>;
