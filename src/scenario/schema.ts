/**
 * The scenario file schema (zod 4). Strict objects everywhere: an unknown key is an error.
 * Durations and sizes accept human units and come out as milliseconds and bytes; their defaults are
 * written in units too (`prefault`), so the JSON Schema shows "30s" rather than 30000.
 * `scenarioJsonSchema()` (json-schema.ts) exports it for editors; docs/scenarios.md explains every key.
 */
import { z } from 'zod';
import { describe, duration, module, positiveInt, probability, size, version } from './fields.ts';
import { type packageSchema, rolloutSchema, type rolloutStepSchema } from './rollout-schema.ts';

export { duration, size } from './fields.ts';
export { packageSchema, rolloutSchema, rolloutStepSchema } from './rollout-schema.ts';

/** A relative weight: positive, at most a million. */
const weight = z.number().positive().max(1_000_000);
/** Highest arrival rate of a phase, device starts per second. */
const MAX_RATE = 1_000_000;

/** Where the devices send their requests. */
export const targetSchema = z
  .strictObject({
    url: z
      .union([
        z.literal('embedded'),
        z.url({
          protocol: /^https?$/,
          error: 'must be "embedded" or an http(s) URL such as "http://127.0.0.1:8080"',
        }),
      ])
      .default('embedded')
      .meta(
        describe(
          '"embedded" starts the reference OTA server in a child process; or the base URL of an OTA server',
        ),
      ),
    dialect: z
      .enum(['studio', 'fuse'])
      .default('studio')
      .meta(describe('Reply dialect: studio {errno,error,data} or fuse {code,msg,data,request_id}')),
    noTaskErrno: z
      .union([z.literal(11), z.literal(10)], { error: 'must be 11 or 10' })
      .default(11)
      .meta(describe('errno that means "no upgrade task": 11 (legacy docs, AIO SDK) or 10 (Studio SDK)')),
    host: z
      .string()
      .optional()
      .meta(describe('Host header to send (e.g. studio-ota.heclouds.com); default: from url')),
    admin: z
      .strictObject({
        url: z
          .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as "http://127.0.0.1:8080"' })
          .optional()
          .meta(describe('Management API of an `ota-fleet serve`; default: target.url')),
        token: z.string().min(1).meta(describe('Its admin token; use ${ENV_VAR}')),
      })
      .optional()
      .meta(
        describe(
          'Play the rollout script against this `ota-fleet serve` (URL targets); a sharded run plays it in shard 1 only',
        ),
      ),
    mqtt: z
      .url({ protocol: /^mqtt$/, error: 'must be an mqtt URL such as "mqtt://127.0.0.1:1883"' })
      .optional()
      .meta(
        describe(
          'MQTT broker of a URL target, for profiles with notify mqtt or both (the embedded target wires its own)',
        ),
      ),
  })
  .prefault({})
  .meta(describe('Where the devices send their requests'));

/** The product and how devices sign their tokens. */
export const productSchema = z
  .strictObject({
    id: z
      .string()
      .min(1)
      .max(64)
      .optional()
      .meta(describe('Product id; created on the embedded target, required for a URL target')),
    accessKey: z
      .string()
      .min(1)
      .optional()
      .meta(describe('Product access key (base64) for product-level tokens; use ${ENV_VAR} for secrets')),
    tokenLevel: z
      .enum(['product', 'device'])
      .default('product')
      .meta(describe('Sign tokens with the product access key (res=products/ID) or each device key')),
    tokenMethod: z
      .enum(['md5', 'sha1', 'sha256'])
      .default('sha1')
      .meta(describe('HMAC of the token signature')),
    tokenTtl: duration.prefault('24h').meta(describe('How long each token is valid')),
    deviceKeys: z
      .string()
      .optional()
      .meta(
        describe(
          'CSV file of name,key lines for device-level tokens against a URL target (path relative to the scenario)',
        ),
      ),
  })
  .prefault({})
  .meta(describe('The product and how devices sign their tokens'));

/** The devices: how many, their names and starting versions. */
export const fleetSchema = z
  .strictObject({
    count: positiveInt
      .max(1_000_000)
      .meta(describe('Number of devices (for arrival-rate: the pool of device identities)')),
    namePattern: z
      .string()
      .max(100, 'must be at most 100 characters long')
      .regex(/\{index(:\d+)?\}/, 'must contain {index} or {index:N} (zero-padded to N digits)')
      .refine(
        (p) => [...p.matchAll(/\{index:(\d+)\}/g)].every((m) => m[1]!.length <= 2 && Number(m[1]) <= 64),
        'the width N of {index:N} must be at most 64 (a device name is 1-64 characters)',
      )
      .default('dev-{index:06}')
      .meta(describe('Device names; {index} counts from 1, {index:N} is zero-padded to N digits')),
    modules: z.array(module).min(1).default(['fota']).meta(describe('Modules each device checks for tasks')),
    versions: z
      .strictObject({
        f_version: z
          .record(version, weight)
          .optional()
          .meta(describe('Module firmware versions (fota) and their weights')),
        s_version: z
          .record(version, weight)
          .optional()
          .meta(describe('MCU software versions (sota) and their weights')),
      })
      .default({ f_version: { 'V1.0': 1 }, s_version: { 'V1.0': 1 } })
      .meta(describe('Starting versions as weights, e.g. f_version: { V1.0: 80, V0.9: 20 }')),
    boot: z
      .strictObject({
        over: duration.prefault(0).meta(describe('Devices boot spread evenly over this window')),
      })
      .prefault({})
      .meta(describe('How the fleet boots')),
  })
  .meta(describe('The devices: how many, their names and starting versions'));

/** Fault probabilities a device draws (per download or per install). */
export const faultsSchema = z
  .strictObject({
    abortDownload: probability
      .default(0)
      .meta(describe('Chance a download is cut mid-way (the device resumes with Range)')),
    md5Mismatch: probability
      .default(0)
      .meta(describe('Chance the device sees a corrupt package and reports 205')),
    installFailure: probability
      .default(0)
      .meta(describe('Chance the install fails with one of 202-204, 206')),
    lowBattery: probability.default(0).meta(describe('Chance the device gives up the download with 105')),
    reboot: probability
      .default(0)
      .meta(describe('Chance per task that the device reboots mid-download and starts over')),
    stall: probability.default(0).meta(describe('Chance a download stalls for stallTime before it goes on')),
    stallTime: duration.prefault('5s').meta(describe('How long a stalled download waits')),
  })
  .prefault({})
  .meta(describe('Fault probabilities (0 to 1), drawn once per task'));

/** One kind of device: how it polls, downloads and fails. */
export const profileSchema = z.strictObject({
  name: z.string().min(1).meta(describe('Profile name, shown in reports')),
  weight: weight.default(1).meta(describe('Share of the fleet, relative to the other profiles')),
  pollInterval: duration.prefault('30s').meta(describe('Time between task checks')),
  notify: z
    .enum(['poll', 'mqtt', 'both'])
    .default('poll')
    .meta(
      describe(
        'How the device learns of a task: poll on pollInterval; mqtt: an ota/inform on its MQTT connection; both: inform plus pollInterval as a fallback',
      ),
    ),
  mqtt: z
    .strictObject({
      keepalive: duration.prefault('60s').meta(describe('MQTT keep-alive (PINGREQ interval)')),
      connectTimeout: duration.prefault('10s').meta(describe('Longest wait for the CONNACK')),
      reconnectDelay: duration.prefault('1s').meta(describe('First reconnect delay; doubles each failure')),
      reconnectMaxDelay: duration.prefault('30s').meta(describe('Longest reconnect delay')),
    })
    .prefault({})
    .meta(describe('The MQTT connection of a notify mqtt / both device')),
  pollJitter: z
    .number()
    .min(0)
    .max(1)
    .default(0.2)
    .meta(describe('Each poll waits pollInterval ± this fraction')),
  download: z
    .strictObject({
      chunkSize: size
        .prefault(0)
        .meta(describe('0 downloads the whole package in one request; otherwise Range chunks of this size')),
      bandwidth: size.optional().meta(describe('Per-device download cap in bytes per second')),
      progressEvery: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(10)
        .meta(describe('Report a progress step every N percent (0: none)')),
      checkTaskBeforeChunk: z
        .boolean()
        .default(false)
        .meta(describe('Check the task state before each chunk, as the official Studio SDK does')),
    })
    .prefault({})
    .meta(describe('How the device downloads a package')),
  installTime: duration.prefault('2s').meta(describe('Time from download complete to the 201 step')),
  faults: faultsSchema,
  retry: z
    .strictObject({
      max: z.number().int().min(0).max(100).default(5).meta(describe('Retries of a failed request')),
      baseDelay: duration.prefault('500ms').meta(describe('First retry delay; doubles each retry')),
      maxDelay: duration.prefault('30s').meta(describe('Longest retry delay')),
    })
    .prefault({})
    .meta(describe('Retry of failed requests, with exponential backoff')),
  requestTimeout: duration.prefault('10s').meta(describe('Longest wait for one complete reply')),
});

/** One phase of an arrival-rate load: rate devices/second, optionally ramping to rampTo. */
export const phaseSchema = z.strictObject({
  duration: duration.meta(describe('Length of the phase')),
  rate: z.number().min(0).max(MAX_RATE).meta(describe('Device starts per second at the start of the phase')),
  rampTo: z
    .number()
    .min(0)
    .max(MAX_RATE)
    .optional()
    .meta(describe('Starts per second at the end (linear ramp)')),
});

/** One stage of a ramping-fleet load: ramp linearly to `target` running devices over `duration`. */
export const stageSchema = z.strictObject({
  duration: duration.meta(describe('Length of the stage (0 jumps to the target at once)')),
  target: z
    .number()
    .int()
    .min(0)
    .meta(describe('Devices of the fleet running at the end of the stage (the first ones by index)')),
});

/** Closed (fleet, ramping-fleet) or open (arrival-rate) load model. */
export const loadSchema = z
  .discriminatedUnion('model', [
    z.strictObject({
      model: z.literal('fleet').meta(describe('Closed: every device runs for the whole run')),
    }),
    z.strictObject({
      model: z
        .literal('arrival-rate')
        .meta(describe('Open: devices start at a rate and leave after a visit')),
      phases: z.array(phaseSchema).min(1).meta(describe('Rate phases, run one after another')),
      maxDevices: positiveInt
        .optional()
        .meta(describe('Most devices active at once; starts beyond it are dropped and counted')),
    }),
    z.strictObject({
      model: z
        .literal('ramping-fleet')
        .meta(describe('Closed: the number of running devices follows stages (k6 ramping-vus)')),
      stages: z
        .array(stageSchema)
        .min(1)
        .meta(describe('Stages, run one after another from 0 devices; the last target holds to the end')),
    }),
  ])
  .default({ model: 'fleet' })
  .meta(describe('Closed (fleet, ramping-fleet) or open (arrival-rate) load model'));

/** How devices hold connections. */
export const connectionsSchema = z
  .strictObject({
    mode: z
      .enum(['shared', 'per-device', 'per-request'])
      .default('per-device')
      .meta(
        describe(
          'shared: one keep-alive pool per worker; per-device: one keep-alive connection each; per-request: a new connection every request',
        ),
      ),
    poolSize: positiveInt.max(20_000).default(64).meta(describe('Connections per worker in shared mode')),
    localAddresses: z
      .array(z.ipv4())
      .optional()
      .meta(describe('Source addresses to spread connections over, e.g. 127.0.0.2..127.0.0.9')),
  })
  .prefault({})
  .meta(describe('How devices hold connections'));

/** When the run ends. */
export const stopSchema = z
  .strictObject({
    duration: duration
      .refine((ms) => ms > 0, 'must be longer than 0 (like --duration)')
      .prefault('60s')
      .meta(describe('Longest the run lasts')),
    whenSettled: z
      .boolean()
      .default(true)
      .meta(describe('End early once every device task of the rollout is finished')),
  })
  .prefault({})
  .meta(describe('When the run ends'));

/** Threshold expressions per metric (see README), e.g. ota_check_duration: ["p(99) < 200ms"]. */
export const thresholdsSchema = z
  .record(z.string().min(1), z.array(z.string().min(1)).min(1))
  .meta(describe('Pass/fail expressions per metric, e.g. ota_check_duration: ["p(99) < 200ms"]'));

/** The whole scenario file. */
export const scenarioSchema = z.strictObject({
  $schema: z.string().optional().meta(describe('Path or URL of scenario.schema.json, for editors')),
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 characters of [A-Za-z0-9._-]')
    .meta(describe('Scenario name, used in report names')),
  description: z.string().optional(),
  seed: z
    .number()
    .int()
    .min(-(2 ** 31))
    .max(2 ** 32 - 1)
    .default(1)
    .meta(describe('Seed of every random choice; same seed, same run')),
  target: targetSchema,
  product: productSchema,
  fleet: fleetSchema,
  profiles: z
    .array(profileSchema)
    .min(1)
    .prefault([{ name: 'default' }])
    .meta(describe('Device behaviour profiles, shared out by weight')),
  load: loadSchema,
  connections: connectionsSchema,
  rollout: rolloutSchema.optional(),
  stop: stopSchema,
  thresholds: thresholdsSchema.optional(),
  abortOnFail: z
    .strictObject({
      enabled: z.boolean().default(true),
      grace: duration.prefault('10s').meta(describe('Run at least this long before aborting')),
    })
    .optional()
    .meta(describe('Stop the run early once a threshold has failed')),
});

/** A validated scenario, as the engine uses it (durations in ms, sizes in bytes). */
export type Scenario = z.output<typeof scenarioSchema>;
/** A scenario as written in a file. */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** One device behaviour profile. */
export type Profile = Scenario['profiles'][number];
/** The load model (closed fleet or open arrival-rate). */
export type LoadModel = Scenario['load'];
/** One rollout step (batch, cancel or cancelDevice). */
export type RolloutStep = z.output<typeof rolloutStepSchema>;
/** One package of the rollout. */
export type PackageSpec = z.output<typeof packageSchema>;
