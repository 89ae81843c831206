import { describe, expect, it } from 'vitest';
import {
  arrivalRateFitsDuration,
  batchPackageExists,
  cancelNamesEarlierBatch,
  checkRules,
  checkScenarioRules,
  deviceNamesValid,
  diffNeedsFromVersion,
  fromVersionExists,
  listedDevicesInFleet,
  packageModuleInFleet,
  rolloutNeedsEmbedded,
  scenarioRules,
  stepsWithinDuration,
  uniqueNames,
  urlTargetNeedsProduct,
  verificationDeviceInFleet,
  versionsCoverModules,
} from '../../../src/scenario/rules.ts';
import { type Scenario, type ScenarioInput, scenarioSchema } from '../../../src/scenario/schema.ts';

type Rollout = NonNullable<ScenarioInput['rollout']>;

const fw = { name: 'fw', targetVersion: 'V1.1' };
const batch = (at: string, b: Record<string, unknown>) => ({
  at,
  batch: { package: 'fw', fromVersion: 'V1.0', ...b },
});

function scenario(over: Partial<ScenarioInput> = {}): Scenario {
  return scenarioSchema.parse({ name: 't', fleet: { count: 10 }, ...over });
}
function withRollout(rollout: Partial<Rollout>, over: Partial<ScenarioInput> = {}): Scenario {
  return scenario({ rollout: { packages: [fw], steps: [batch('1s', {})], ...rollout } as Rollout, ...over });
}
const messages = (findings: { path: (string | number)[]; message: string }[]) =>
  findings.map((f) => `${f.path.join('.')}: ${f.message}`);

describe('rollout-needs-embedded', () => {
  it('rejects a rollout script against a URL target', () => {
    const s = withRollout({}, { target: { url: 'http://127.0.0.1:8080' } });
    expect(messages(rolloutNeedsEmbedded(s))).toEqual([
      'rollout: a rollout script needs target.url: embedded (got "http://127.0.0.1:8080")',
    ]);
  });
  it('accepts a rollout on the embedded target, and a URL target without rollout', () => {
    expect(rolloutNeedsEmbedded(withRollout({}))).toEqual([]);
    expect(rolloutNeedsEmbedded(scenario({ target: { url: 'http://127.0.0.1:8080' } }))).toEqual([]);
  });
});

describe('url-target-needs-product', () => {
  const url = { url: 'http://127.0.0.1:8080' };
  it('asks for product.id and the access key of product-level tokens', () => {
    expect(messages(urlTargetNeedsProduct(scenario({ target: url })))).toEqual([
      'product.id: is required for a URL target',
      'product.accessKey: is required for product-level tokens against a URL target',
    ]);
  });
  it('asks for deviceKeys with device-level tokens', () => {
    const s = scenario({ target: url, product: { id: '1', tokenLevel: 'device' } });
    expect(messages(urlTargetNeedsProduct(s))).toEqual([
      'product.deviceKeys: is required for device-level tokens against a URL target',
    ]);
  });
  it('is satisfied by id and key, and does not apply to the embedded target', () => {
    expect(urlTargetNeedsProduct(scenario({ target: url, product: { id: '1', accessKey: 'a2V5' } }))).toEqual(
      [],
    );
    expect(urlTargetNeedsProduct(scenario())).toEqual([]);
  });
});

describe('batch-package-exists', () => {
  it('names the missing package and lists the known ones', () => {
    expect(messages(batchPackageExists(withRollout({ steps: [batch('1s', { package: 'fw2' })] })))).toEqual([
      'rollout.steps.0.batch.package: names no package of rollout.packages (got "fw2"; packages: fw)',
    ]);
    expect(batchPackageExists(withRollout({}))).toEqual([]);
  });
});

describe('cancel-names-earlier-batch', () => {
  it('accepts a cancel of a batch started earlier or at the same time by an earlier step', () => {
    const steps = [batch('1s', { name: 'a' }), { at: '1s', cancel: { batch: 'a' } }];
    expect(cancelNamesEarlierBatch(withRollout({ steps }))).toEqual([]);
  });
  it('rejects a cancel of a batch that starts later, or of no batch at all', () => {
    const steps = [
      { at: '1s', cancel: { batch: 'b' } },
      { at: '2s', cancelDevice: { batch: 'zz', device: 'dev-000001' } },
      batch('3s', { name: 'b' }),
    ];
    expect(messages(cancelNamesEarlierBatch(withRollout({ steps })))).toEqual([
      'rollout.steps.0.cancel.batch: batch "b" starts only later, at 3s (rollout.steps[2])',
      'rollout.steps.1.cancelDevice.batch: names no batch started before this step (got "zz"; earlier batches: none named)',
    ]);
  });
});

describe('unique-names', () => {
  it('reports each repeated profile, package and batch name at the repeat', () => {
    const s = withRollout(
      {
        packages: [fw, fw],
        steps: [batch('1s', { name: 'x' }), batch('2s', { name: 'x' }), batch('3s', {})],
      },
      { profiles: [{ name: 'p' }, { name: 'p' }] },
    );
    expect(messages(uniqueNames(s))).toEqual([
      'profiles.1.name: profile name "p" is already used (profiles[0].name)',
      'rollout.packages.1.name: package name "fw" is already used (rollout.packages[0].name)',
      'rollout.steps.1.batch.name: batch name "x" is already used (rollout.steps[0].batch.name)',
    ]);
  });
  it('checks the profiles even when there is no rollout', () => {
    expect(
      uniqueNames({ profiles: scenario({ profiles: [{ name: 'a' }, { name: 'b' }] }).profiles }),
    ).toEqual([]);
  });
});

describe('versions-cover-modules', () => {
  it('wants starting versions for every module the fleet runs', () => {
    const s = scenario({
      fleet: { count: 1, modules: ['fota', 'sota'], versions: { s_version: { V2: 1 } } },
    });
    expect(messages(versionsCoverModules(s))).toEqual([
      'fleet.versions: has no f_version versions for module fota',
    ]);
    expect(versionsCoverModules(scenario({ fleet: { count: 1, modules: ['fota', 'sota'] } }))).toEqual([]);
  });
});

describe('diff-needs-from-version', () => {
  it('requires fromVersion on a diff package and warns that a full package ignores it', () => {
    const s = withRollout({
      packages: [
        fw,
        { name: 'd', type: 'diff', targetVersion: 'V2' },
        { name: 'f', targetVersion: 'V3', fromVersion: 'V1' },
      ],
    });
    expect(diffNeedsFromVersion(s)).toEqual([
      {
        severity: 'error',
        path: ['rollout', 'packages', 1, 'fromVersion'],
        message: 'is required for a diff package',
      },
      {
        severity: 'warning',
        path: ['rollout', 'packages', 2, 'fromVersion'],
        message: 'applies only to a diff package; ignored',
      },
    ]);
  });
});

describe('from-version-exists', () => {
  const fleet = { count: 10, versions: { f_version: { 'V1.0': 1 } } };
  it('accepts a starting version and never-reported', () => {
    const s = withRollout(
      { steps: [batch('1s', {}), batch('2s', { fromVersion: 'never-reported' })] },
      { fleet },
    );
    expect(fromVersionExists(s)).toEqual([]);
  });
  it('warns for a version only an earlier batch brings, and rejects one nobody has', () => {
    const s = withRollout(
      {
        steps: [batch('1s', {}), batch('2s', { fromVersion: 'V1.1' }), batch('3s', { fromVersion: 'V0.1' })],
      },
      { fleet },
    );
    expect(fromVersionExists(s).map((f) => `${f.severity} ${f.message}`)).toEqual([
      'warning no device starts on "V1.1"; devices reach it only mid-run (rollout.steps[0])',
      'error no device starts on "V0.1" (fleet.versions.f_version: V1.0)',
    ]);
  });
  it('counts only batches before it as bringing a version', () => {
    const s = withRollout({ steps: [batch('1s', { fromVersion: 'V1.1' }), batch('2s', {})] }, { fleet });
    expect(fromVersionExists(s).map((f) => f.severity)).toEqual(['error']);
  });
});

describe('package-module-in-fleet', () => {
  it('rejects a batch of a sota package for a fota-only fleet', () => {
    const s = withRollout({ packages: [{ ...fw, module: 'sota' }] });
    expect(messages(packageModuleInFleet(s))).toEqual([
      'rollout.steps.0.batch.package: names a sota package, a module the fleet does not run (fleet.modules: fota)',
    ]);
  });
});

describe('verification-device-in-fleet and listed-devices-in-fleet', () => {
  const fleet = { count: 5, namePattern: 'm{index:02}' };
  it('accept names of the fleet', () => {
    const s = withRollout(
      { verification: { device: 'm05' }, steps: [batch('1s', { devices: ['m01'] })] },
      { fleet },
    );
    expect([...verificationDeviceInFleet(s), ...listedDevicesInFleet(s)]).toEqual([]);
  });
  it('reject names outside the fleet or not made by namePattern', () => {
    const steps = [
      batch('1s', { name: 'b', devices: ['m06'] }),
      { at: '2s', cancelDevice: { batch: 'b', device: 'm1' } },
    ];
    const s = withRollout({ verification: { device: 'm00' }, steps }, { fleet });
    expect(messages([...verificationDeviceInFleet(s), ...listedDevicesInFleet(s)])).toEqual([
      'rollout.verification.device: "m00" is not a device of the fleet (m01 .. m05)',
      'rollout.steps.0.batch.devices.0: "m06" is not a device of the fleet (m01 .. m05)',
      'rollout.steps.1.cancelDevice.device: "m1" is not a device of the fleet (m01 .. m05)',
    ]);
  });
});

describe('device-names-valid', () => {
  it('rejects a pattern whose names a server refuses', () => {
    expect(messages(deviceNamesValid(scenario({ fleet: { count: 2, namePattern: 'a b{index}' } })))).toEqual([
      'fleet.namePattern: must make names of 1-64 characters of [A-Za-z0-9_.@-] (makes "a b1")',
    ]);
  });
  it('checks the longest name too', () => {
    const pattern = `${'x'.repeat(63)}{index}`; // 64 characters up to device 9, 65 from device 10
    expect(deviceNamesValid(scenario({ fleet: { count: 10, namePattern: pattern } })).length).toBe(1);
    expect(deviceNamesValid(scenario({ fleet: { count: 9, namePattern: pattern } }))).toEqual([]);
  });
});

describe('arrival-rate-fits-duration', () => {
  const load = {
    model: 'arrival-rate' as const,
    phases: [
      { duration: '40s', rate: 1 },
      { duration: '30s', rate: 1 },
    ],
  };
  it('warns when phases outlast stop.duration', () => {
    expect(arrivalRateFitsDuration(scenario({ load, stop: { duration: '1m' } }))).toEqual([
      {
        severity: 'warning',
        path: ['load', 'phases'],
        message: 'last 1m 10s, longer than stop.duration (1m): the last 10s never run',
      },
    ]);
    expect(arrivalRateFitsDuration(scenario({ load, stop: { duration: '70s' } }))).toEqual([]);
  });
});

describe('steps-within-duration', () => {
  it('rejects a step or a scheduled start at or after stop.duration', () => {
    const s = withRollout(
      { steps: [batch('59s', { startAt: '60s' }), batch('61s', {})] },
      { stop: { duration: '60s' } },
    );
    expect(messages(stepsWithinDuration(s))).toEqual([
      'rollout.steps.0.batch.startAt: must be before stop.duration (1m) (got 1m)',
      'rollout.steps.1.at: must be before stop.duration (1m) (got 1m 1s)',
    ]);
  });
});

describe('the rule table', () => {
  it('names every rule as docs/scenarios.md lists them', () => {
    expect(scenarioRules.map((r) => r.name).sort()).toEqual([
      'arrival-rate-fits-duration',
      'batch-package-exists',
      'cancel-names-earlier-batch',
      'device-names-valid',
      'diff-needs-from-version',
      'from-version-exists',
      'listed-devices-in-fleet',
      'package-module-in-fleet',
      'push-needs-broker',
      'ramping-fleet-fits-duration',
      'rollout-needs-embedded',
      'stages-within-fleet',
      'steps-within-duration',
      'threshold-expressions',
      'unique-names',
      'url-target-needs-product',
      'verification-device-in-fleet',
      'versions-cover-modules',
    ]);
  });
  it('tags findings with the rule name and skips rules whose sections are not valid', () => {
    const s = withRollout({ steps: [batch('1s', { package: 'nope' })] });
    expect(checkScenarioRules(s).map((f) => f.rule)).toEqual(['batch-package-exists']);
    expect(checkRules(s, new Set(['fleet', 'target']))).toEqual([]);
  });
});
