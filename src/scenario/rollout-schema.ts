/** The rollout part of the scenario schema: packages, batches, cancels and the script that plays them. */
import { z } from 'zod';
import { isValidPackageName } from '../ota/rules.ts';
import { describe, duration, module, size, VERSION, VERSION_RULE, version } from './fields.ts';

/** A package the rollout uploads to the embedded server. */
export const packageSchema = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(20)
    .refine(isValidPackageName, 'must be 1-20 CJK characters, letters, digits or _ - . ( )')
    .meta(describe('Package name (1-20 CJK characters, letters, digits, _ - . ( )); batches refer to it')),
  module: module.default('fota'),
  type: z.enum(['full', 'diff']).default('full').meta(describe('Full or differential package')),
  targetVersion: version.meta(describe('Version the device has after the upgrade')),
  fromVersion: version.optional().meta(describe('For a diff package: the version it applies to')),
  size: size.prefault('256KiB').meta(describe('Package size (at most 30MB)')),
  description: z.string().max(100).optional(),
});

const batchAction = z.strictObject({
  name: z.string().min(1).optional().meta(describe('Batch name; a cancel step refers to it')),
  package: z.string().min(1).meta(describe('Name of a package in rollout.packages')),
  fromVersion: z
    .union([
      z.string().regex(VERSION, `must be a version (${VERSION_RULE}) or "never-reported"`),
      z.literal('never-reported'),
    ])
    .meta(describe('Devices on this version of the package module are upgraded, or "never-reported"')),
  devices: z
    .array(z.string())
    .optional()
    .meta(describe('Only these device names (default: every device of fromVersion)')),
  startAt: duration
    .optional()
    .meta(describe('Scheduled start, from the start of the run (default: immediate)')),
  timeout: duration.prefault('10m').meta(describe('Device-upgrade timeout')),
  retry: z
    .strictObject({
      count: z.number().int().min(0).max(10).meta(describe('Retries of a failed device task')),
      interval: duration.prefault(0).meta(describe('Wait before each retry')),
    })
    .optional()
    .meta(describe('Retry policy of the batch (default: no retry)')),
  notify: z
    .strictObject({
      mqtt: z
        .boolean()
        .default(false)
        .meta(describe('Publish ota/inform to targeted devices when the batch starts')),
      url: z.url().optional().meta(describe('HTTP notification URL of the batch')),
    })
    .optional()
    .meta(describe('How the platform notifies the targeted devices (default: none; devices poll)')),
});

/** One timed step of the rollout script. */
export const rolloutStepSchema = z.union(
  [
    z.strictObject({ at: duration.meta(describe('When, from the start of the run')), batch: batchAction }),
    z.strictObject({
      at: duration,
      cancel: z.strictObject({
        batch: z.string().min(1).meta(describe('Name of a batch started earlier')),
        scope: z
          .enum(['all', 'scheduled'])
          .default('all')
          .meta(describe('all: every pending and running task; scheduled: only a batch not yet started')),
      }),
    }),
    z.strictObject({
      at: duration,
      cancelDevice: z.strictObject({
        batch: z.string().min(1).meta(describe('Name of a batch started earlier')),
        device: z.string().min(1).meta(describe('Device whose task is cancelled')),
      }),
    }),
  ],
  { error: 'must be a step: { at, batch }, { at, cancel } or { at, cancelDevice }' },
);

/** The rollout script for the embedded target. */
export const rolloutSchema = z
  .strictObject({
    packages: z.array(packageSchema).min(1).meta(describe('Packages uploaded before the run')),
    verification: z
      .union([z.literal('skip'), z.strictObject({ device: z.string().min(1) })], {
        error: 'must be "skip" or { device: NAME }',
      })
      .default('skip')
      .meta(describe('"skip", or { device } to verify each package on one test device first')),
    steps: z.array(rolloutStepSchema).min(1).meta(describe('Timed steps: batches and cancels')),
  })
  .meta(describe('The rollout script, played on the embedded server during the run'));
