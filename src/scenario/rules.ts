/**
 * Cross-field rules of a scenario, each a named function over the parsed sections it needs. The loader
 * runs a rule only when those sections parsed, so every problem of a file shows at once without a rule
 * tripping over data the schema already rejected. docs/scenarios.md lists them by name.
 */
import { parseThresholds } from '../metrics/threshold-spec.ts';
import { isValidDeviceName } from '../ota/fleet-versions.ts';
import { deviceIndex, deviceName } from './names.ts';
import { formatPath, type PathSegment } from './positions.ts';
import type { PackageSpec, Scenario } from './schema.ts';
import { formatDuration } from './units.ts';

/** What a rule found: an error, or a warning that does not stop the run. */
export interface RuleFinding {
  rule: string;
  severity: 'error' | 'warning';
  path: PathSegment[];
  message: string;
}

/** A top-level section of a scenario. */
export type Section = keyof Scenario;

/** A named rule and the sections it reads. */
export interface ScenarioRule {
  name: string;
  needs: readonly Section[];
  check(s: Partial<Scenario>): RuleFinding[];
}

type Rollout = NonNullable<Scenario['rollout']>;
type BatchStep = Extract<Rollout['steps'][number], { batch: unknown }>;
/** A finding as a rule function returns it; the table adds the rule name. */
export type Finding = Omit<RuleFinding, 'rule'>;
const error = (path: PathSegment[], message: string): Finding => ({ severity: 'error', path, message });
const warning = (path: PathSegment[], message: string): Finding => ({ severity: 'warning', path, message });
const quote = (s: string) => JSON.stringify(s);

/** The batch steps of a rollout with their step index. */
function batchSteps(rollout: Rollout): { index: number; step: BatchStep }[] {
  return rollout.steps.flatMap((step, index) => ('batch' in step ? [{ index, step }] : []));
}

/** True when step `i` (at `atI`) comes before step `j` (at `atJ`) in the run. */
const before = (i: number, atI: number, j: number, atJ: number) => atI < atJ || (atI === atJ && i < j);

function packageOf(rollout: Rollout, name: string): PackageSpec | undefined {
  return rollout.packages.find((p) => p.name === name);
}

const versionField = (module: PackageSpec['module']) => (module === 'fota' ? 'f_version' : 's_version');

function fleetRange(fleet: Scenario['fleet']): string {
  return `${deviceName(fleet.namePattern, 1)} .. ${deviceName(fleet.namePattern, fleet.count)}`;
}

/** `rollout-needs-embedded`: a rollout script is played on the embedded server, or a `target.admin` one. */
export function rolloutNeedsEmbedded(s: Pick<Scenario, 'target' | 'rollout'>): Finding[] {
  if (!s.rollout || s.target.url === 'embedded' || s.target.admin) return [];
  return [error(['rollout'], `a rollout script needs target.url: embedded (got ${quote(s.target.url)})`)];
}

/** `url-target-needs-product`: a URL target needs product.id, and the key its token level signs with. */
export function urlTargetNeedsProduct(s: Pick<Scenario, 'target' | 'product'>): Finding[] {
  if (s.target.url === 'embedded') return [];
  const out: Finding[] = [];
  const p = s.product;
  if (!p.id) out.push(error(['product', 'id'], 'is required for a URL target'));
  if (p.tokenLevel === 'product' && !p.accessKey) {
    out.push(error(['product', 'accessKey'], 'is required for product-level tokens against a URL target'));
  }
  if (p.tokenLevel === 'device' && !p.deviceKeys) {
    out.push(error(['product', 'deviceKeys'], 'is required for device-level tokens against a URL target'));
  }
  return out;
}

/** `push-needs-broker`: a push profile (notify mqtt / both) on a URL target needs target.mqtt. */
export function pushNeedsBroker(s: Pick<Scenario, 'target' | 'profiles'>): Finding[] {
  if (s.target.url === 'embedded' || s.target.mqtt) return [];
  return s.profiles.flatMap((p, i) =>
    p.notify === 'poll'
      ? []
      : [
          error(
            ['profiles', i, 'notify'],
            `notify: ${p.notify} needs the broker of the URL target: set target.mqtt (e.g. "mqtt://host:1883")`,
          ),
        ],
  );
}

/** `batch-package-exists`: a batch names a package of rollout.packages. */
export function batchPackageExists(s: Pick<Scenario, 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  const names = s.rollout.packages.map((p) => p.name).join(', ');
  return batchSteps(s.rollout)
    .filter(({ step }) => !packageOf(s.rollout!, step.batch.package))
    .map(({ index, step }) =>
      error(
        ['rollout', 'steps', index, 'batch', 'package'],
        `names no package of rollout.packages (got ${quote(step.batch.package)}; packages: ${names})`,
      ),
    );
}

/** `cancel-names-earlier-batch`: a cancel or cancelDevice names a batch started by an earlier step. */
export function cancelNamesEarlierBatch(s: Pick<Scenario, 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  const batches = batchSteps(s.rollout);
  const out: Finding[] = [];
  s.rollout.steps.forEach((step, j) => {
    const ref = 'cancel' in step ? step.cancel : 'cancelDevice' in step ? step.cancelDevice : undefined;
    if (!ref) return;
    const named = batches.filter((b) => b.step.batch.name === ref.batch);
    if (named.some((b) => before(b.index, b.step.at, j, step.at))) return;
    const path = ['rollout', 'steps', j, 'cancel' in step ? 'cancel' : 'cancelDevice', 'batch'];
    const later = named[0];
    const earlier = batches.filter((b) => b.step.batch.name && before(b.index, b.step.at, j, step.at));
    out.push(
      error(
        path,
        later
          ? `batch ${quote(ref.batch)} starts only later, at ${formatDuration(later.step.at)} (rollout.steps[${later.index}])`
          : `names no batch started before this step (got ${quote(ref.batch)}; earlier batches: ${
              earlier.map((b) => b.step.batch.name).join(', ') || 'none named'
            })`,
      ),
    );
  });
  return out;
}

function duplicates(names: readonly (string | undefined)[], at: (i: number) => PathSegment[], what: string) {
  const first = new Map<string, number>();
  const out: Finding[] = [];
  names.forEach((name, i) => {
    if (name === undefined) return;
    const seen = first.get(name);
    if (seen === undefined) first.set(name, i);
    else out.push(error(at(i), `${what} ${quote(name)} is already used (${formatPath(at(seen))})`));
  });
  return out;
}

/** `unique-names`: profile, package and batch names are unique. */
export function uniqueNames(s: Partial<Pick<Scenario, 'profiles' | 'rollout'>>): Finding[] {
  const out: Finding[] = [];
  if (s.profiles) {
    out.push(
      ...duplicates(
        s.profiles.map((p) => p.name),
        (i) => ['profiles', i, 'name'],
        'profile name',
      ),
    );
  }
  if (s.rollout) {
    const { packages, steps } = s.rollout;
    out.push(
      ...duplicates(
        packages.map((p) => p.name),
        (i) => ['rollout', 'packages', i, 'name'],
        'package name',
      ),
    );
    const batchNames = steps.map((st) => ('batch' in st ? st.batch.name : undefined));
    out.push(...duplicates(batchNames, (i) => ['rollout', 'steps', i, 'batch', 'name'], 'batch name'));
  }
  return out;
}

/** `versions-cover-modules`: fleet.versions has starting versions for every module of fleet.modules. */
export function versionsCoverModules(s: Pick<Scenario, 'fleet'>): Finding[] {
  const { modules, versions } = s.fleet;
  return [...new Set(modules)]
    .filter((m) => Object.keys(versions[versionField(m)] ?? {}).length === 0)
    .map((m) => error(['fleet', 'versions'], `has no ${versionField(m)} versions for module ${m}`));
}

/** `diff-needs-from-version`: a diff package names the version it applies to (and only a diff one does). */
export function diffNeedsFromVersion(s: Pick<Scenario, 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  return s.rollout.packages.flatMap((p, i): Finding[] => {
    const path = ['rollout', 'packages', i, 'fromVersion'];
    if (p.type === 'diff' && !p.fromVersion) return [error(path, 'is required for a diff package')];
    if (p.type === 'full' && p.fromVersion) return [warning(path, 'applies only to a diff package; ignored')];
    return [];
  });
}

/** `package-module-in-fleet`: a batch's package is for a module the devices run. */
export function packageModuleInFleet(s: Pick<Scenario, 'fleet' | 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  return batchSteps(s.rollout).flatMap(({ index, step }) => {
    const pkg = packageOf(s.rollout!, step.batch.package);
    if (!pkg || s.fleet.modules.includes(pkg.module)) return [];
    const path = ['rollout', 'steps', index, 'batch', 'package'];
    return [
      error(
        path,
        `names a ${pkg.module} package, a module the fleet does not run (fleet.modules: ${s.fleet.modules.join(', ')})`,
      ),
    ];
  });
}

/**
 * `from-version-exists`: a batch's fromVersion is one the fleet starts with, or "never-reported"; a
 * version that only an earlier batch's package brings is a warning (devices reach it mid-run).
 */
export function fromVersionExists(s: Pick<Scenario, 'fleet' | 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  const rollout = s.rollout;
  const batches = batchSteps(rollout);
  return batches.flatMap(({ index, step }): Finding[] => {
    const pkg = packageOf(rollout, step.batch.package);
    const from = step.batch.fromVersion;
    if (!pkg || from === 'never-reported') return [];
    const field = versionField(pkg.module);
    const starting = Object.keys(s.fleet.versions[field] ?? {});
    if (starting.includes(from)) return [];
    const path = ['rollout', 'steps', index, 'batch', 'fromVersion'];
    const bringer = batches.find(
      (b) =>
        before(b.index, b.step.at, index, step.at) &&
        packageOf(rollout, b.step.batch.package)?.targetVersion === from &&
        packageOf(rollout, b.step.batch.package)?.module === pkg.module,
    );
    if (bringer) {
      return [
        warning(
          path,
          `no device starts on ${quote(from)}; devices reach it only mid-run (rollout.steps[${bringer.index}])`,
        ),
      ];
    }
    const list = starting.join(', ') || 'none';
    return [error(path, `no device starts on ${quote(from)} (fleet.versions.${field}: ${list})`)];
  });
}

function notInFleet(fleet: Scenario['fleet'], name: string, path: PathSegment[]): Finding[] {
  if (deviceIndex(fleet.namePattern, name, fleet.count) !== undefined) return [];
  return [error(path, `${quote(name)} is not a device of the fleet (${fleetRange(fleet)})`)];
}

/** `verification-device-in-fleet`: the verification device is one of the fleet's names. */
export function verificationDeviceInFleet(s: Pick<Scenario, 'fleet' | 'rollout'>): Finding[] {
  const v = s.rollout?.verification;
  if (!v || v === 'skip') return [];
  return notInFleet(s.fleet, v.device, ['rollout', 'verification', 'device']);
}

/** `listed-devices-in-fleet`: every device a batch lists or a cancelDevice names is one of the fleet's. */
export function listedDevicesInFleet(s: Pick<Scenario, 'fleet' | 'rollout'>): Finding[] {
  if (!s.rollout) return [];
  return s.rollout.steps.flatMap((step, i) => {
    if ('cancelDevice' in step) {
      return notInFleet(s.fleet, step.cancelDevice.device, ['rollout', 'steps', i, 'cancelDevice', 'device']);
    }
    if (!('batch' in step)) return [];
    return (step.batch.devices ?? []).flatMap((d, k) =>
      notInFleet(s.fleet, d, ['rollout', 'steps', i, 'batch', 'devices', k]),
    );
  });
}

/** `device-names-valid`: namePattern makes names a server accepts (1-64 of [A-Za-z0-9_.@-]) for the whole fleet. */
export function deviceNamesValid(s: Pick<Scenario, 'fleet'>): Finding[] {
  const { namePattern, count } = s.fleet;
  const bad = [deviceName(namePattern, 1), deviceName(namePattern, count)].find((n) => !isValidDeviceName(n));
  if (bad === undefined) return [];
  return [
    error(
      ['fleet', 'namePattern'],
      `must make names of 1-64 characters of [A-Za-z0-9_.@-] (makes ${quote(bad)})`,
    ),
  ];
}

/** `arrival-rate-fits-duration`: warns when arrival-rate phases last longer than stop.duration. */
export function arrivalRateFitsDuration(s: Pick<Scenario, 'load' | 'stop'>): Finding[] {
  if (s.load.model !== 'arrival-rate') return [];
  const total = s.load.phases.reduce((sum, p) => sum + p.duration, 0);
  if (total <= s.stop.duration) return [];
  const cut = formatDuration(total - s.stop.duration);
  const msg = `last ${formatDuration(total)}, longer than stop.duration (${formatDuration(s.stop.duration)}): the last ${cut} never run`;
  return [warning(['load', 'phases'], msg)];
}

/** `stages-within-fleet`: a ramping-fleet stage's target is a number of devices of the fleet. */
export function stagesWithinFleet(s: Pick<Scenario, 'load' | 'fleet'>): Finding[] {
  if (s.load.model !== 'ramping-fleet') return [];
  const count = s.fleet.count;
  return s.load.stages.flatMap((stage, i) =>
    stage.target > count
      ? [
          error(
            ['load', 'stages', i, 'target'],
            `must be at most fleet.count (${count}) (got ${stage.target})`,
          ),
        ]
      : [],
  );
}

/** `ramping-fleet-fits-duration`: warns when the stages last longer than stop.duration. */
export function rampingFleetFitsDuration(s: Pick<Scenario, 'load' | 'stop'>): Finding[] {
  if (s.load.model !== 'ramping-fleet') return [];
  const total = s.load.stages.reduce((sum, p) => sum + p.duration, 0);
  if (total <= s.stop.duration) return [];
  const cut = formatDuration(total - s.stop.duration);
  const msg = `last ${formatDuration(total)}, longer than stop.duration (${formatDuration(s.stop.duration)}): the last ${cut} never run`;
  return [warning(['load', 'stages'], msg)];
}

/** `steps-within-duration`: every rollout step (and scheduled batch start) comes before stop.duration. */
export function stepsWithinDuration(s: Pick<Scenario, 'rollout' | 'stop'>): Finding[] {
  if (!s.rollout) return [];
  const end = s.stop.duration;
  const late = (ms: number) =>
    `must be before stop.duration (${formatDuration(end)}) (got ${formatDuration(ms)})`;
  return s.rollout.steps.flatMap((step, i) => {
    const out: Finding[] = [];
    if (step.at >= end) out.push(error(['rollout', 'steps', i, 'at'], late(step.at)));
    const startAt = 'batch' in step ? step.batch.startAt : undefined;
    if (startAt !== undefined && startAt >= end) {
      out.push(error(['rollout', 'steps', i, 'batch', 'startAt'], late(startAt)));
    }
    return out;
  });
}

/**
 * `threshold-expressions`: each thresholds key is a metric (with tags it has) and each expression
 * parses and fits it (the message names the column); warns when abortOnFail has no threshold to act on.
 */
export function thresholdExpressions(s: Partial<Pick<Scenario, 'thresholds' | 'abortOnFail'>>): Finding[] {
  const { thresholds, problems } = parseThresholds(s.thresholds ?? {});
  const out = problems.map((p) =>
    error(p.index === undefined ? ['thresholds', p.metric] : ['thresholds', p.metric, p.index], p.message),
  );
  if (s.abortOnFail?.enabled && problems.length === 0 && !thresholds.some((t) => t.abortable)) {
    const why = thresholds.length === 0 ? 'there are no thresholds' : 'no threshold can only get worse';
    out.push(warning(['abortOnFail'], `never stops the run: ${why} (see docs/ci-gates.md)`));
  }
  return out;
}

function rule<K extends Section>(
  name: string,
  needs: readonly K[],
  check: (s: Pick<Scenario, K> & Partial<Scenario>) => Finding[],
): ScenarioRule {
  return {
    name,
    needs,
    check: (s) => check(s as Pick<Scenario, K> & Partial<Scenario>).map((f) => ({ rule: name, ...f })),
  };
}

/** Every cross-field rule, in the order their findings are listed. */
export const scenarioRules: readonly ScenarioRule[] = [
  rule('rollout-needs-embedded', ['target', 'rollout'], rolloutNeedsEmbedded),
  rule('url-target-needs-product', ['target', 'product'], urlTargetNeedsProduct),
  rule('push-needs-broker', ['target', 'profiles'], pushNeedsBroker),
  rule('unique-names', [], uniqueNames),
  rule('versions-cover-modules', ['fleet'], versionsCoverModules),
  rule('device-names-valid', ['fleet'], deviceNamesValid),
  rule('batch-package-exists', ['rollout'], batchPackageExists),
  rule('diff-needs-from-version', ['rollout'], diffNeedsFromVersion),
  rule('cancel-names-earlier-batch', ['rollout'], cancelNamesEarlierBatch),
  rule('package-module-in-fleet', ['fleet', 'rollout'], packageModuleInFleet),
  rule('from-version-exists', ['fleet', 'rollout'], fromVersionExists),
  rule('verification-device-in-fleet', ['fleet', 'rollout'], verificationDeviceInFleet),
  rule('listed-devices-in-fleet', ['fleet', 'rollout'], listedDevicesInFleet),
  rule('arrival-rate-fits-duration', ['load', 'stop'], arrivalRateFitsDuration),
  rule('stages-within-fleet', ['load', 'fleet'], stagesWithinFleet),
  rule('ramping-fleet-fits-duration', ['load', 'stop'], rampingFleetFitsDuration),
  rule('steps-within-duration', ['rollout', 'stop'], stepsWithinDuration),
  rule('threshold-expressions', ['thresholds', 'abortOnFail'], thresholdExpressions),
];

/** Runs every rule whose sections are all in `valid` over the parsed sections `parts`. */
export function checkRules(parts: Partial<Scenario>, valid: ReadonlySet<Section>): RuleFinding[] {
  return scenarioRules.filter((r) => r.needs.every((n) => valid.has(n))).flatMap((r) => r.check(parts));
}

/** Runs every rule over a whole validated scenario (e.g. after command-line overrides). */
export function checkScenarioRules(s: Scenario): RuleFinding[] {
  return scenarioRules.flatMap((r) => r.check(s));
}
