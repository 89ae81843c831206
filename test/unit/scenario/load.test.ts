import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatProblem, loadScenario, parseScenario } from '../../../src/scenario/load.ts';

const lines = (text: string, env = {}) => {
  const r = parseScenario(text, 'scenario.yaml', { env });
  return r.ok ? [] : r.problems.map(formatProblem);
};

describe('parseScenario', () => {
  it('fills defaults and turns units into milliseconds and bytes', () => {
    const r = parseScenario(
      'name: t\nfleet: { count: 3 }\nrollout:\n  packages: [{ name: fw, targetVersion: V2 }]\n  steps: [{ at: 1.5s, batch: { package: fw, fromVersion: V1.0 } }]\n',
      'a.yaml',
      { env: {} },
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const s = r.scenario;
    expect(s.target.url).toBe('embedded');
    expect(s.fleet.namePattern).toBe('dev-{index:06}');
    expect(s.profiles).toHaveLength(1);
    expect(s.profiles[0]!.pollInterval).toBe(30_000);
    expect(s.product.tokenTtl).toBe(86_400_000);
    expect(s.rollout!.packages[0]!.size).toBe(256 * 1024);
    expect(s.rollout!.steps[0]).toMatchObject({ at: 1500, batch: { timeout: 600_000 } });
    expect(s.stop).toEqual({ duration: 60_000, whenSettled: true });
  });

  it('formats a problem as file:line:col path: message', () => {
    expect(lines('name: t\nfleet:\n  count: 0\n')).toEqual([
      'scenario.yaml:3:10 fleet.count: must be a positive integer (got 0)',
    ]);
  });

  it('reports schema, rule and interpolation problems of one file together, in line order', () => {
    const text = [
      'name: all-at-once',
      'target: { url: "${OTA_URL}" }',
      'fleet: { count: 2, namePattern: "n-{index}" }',
      'profiles: [{ name: p, pollInterval: soon }]',
      'rollout:',
      '  packages: [{ name: fw, targetVersion: V2 }]',
      '  verification: { device: n-3 }',
      '  steps: [{ at: 1s, batch: { package: gone, fromVersion: V1.0 } }]',
    ].join('\n');
    expect(lines(text)).toEqual([
      'scenario.yaml:2:17 target.url: environment variable OTA_URL is not set (or write ${OTA_URL:-default})',
      'scenario.yaml:4:37 profiles[0].pollInterval: must be a duration such as "500ms", "10s" or "2m" (got "soon")',
      'scenario.yaml:7:27 rollout.verification.device: "n-3" is not a device of the fleet (n-1 .. n-2) [verification-device-in-fleet]',
      'scenario.yaml:8:39 rollout.steps[0].batch.package: names no package of rollout.packages (got "gone"; packages: fw) [batch-package-exists]',
    ]);
  });

  it('runs no rule over a section the schema rejected', () => {
    // The batch names a package that exists, but the package entry itself is invalid: only that is reported.
    const text =
      'name: t\nfleet: { count: 2 }\nrollout:\n  packages: [{ name: fw }]\n  steps: [{ at: 1s, batch: { package: nope, fromVersion: V1.0 } }]\n';
    expect(lines(text)).toEqual(['scenario.yaml:4:14 rollout.packages[0].targetVersion: is required']);
  });

  it('gives a JSON file the same problems at JSON positions', () => {
    const json = '{\n  "name": "t",\n  "fleet": { "count": -1, "boot": { "ovr": "1s" } }\n}\n';
    const r = parseScenario(json, 'scenario.json', { env: {} });
    expect(r.ok ? [] : r.problems.map(formatProblem)).toEqual([
      'scenario.json:3:23 fleet.count: must be a positive integer (got -1)',
      'scenario.json:3:37 fleet.boot.ovr: unknown key "ovr" (did you mean over?)',
    ]);
  });

  it('points at a missing key through its parent mapping and at an unknown key itself', () => {
    const text = 'name: t\nfleet:\n  namePattern: d{index}\n  cont: 4\n';
    expect(lines(text)).toEqual([
      'scenario.yaml:2:1 fleet.count: is required',
      'scenario.yaml:4:3 fleet.cont: unknown key "cont" (did you mean count?)',
    ]);
  });

  it('points at the key of an empty value', () => {
    expect(lines('name: t\nfleet:\n  count:\nrollout:\n')).toEqual([
      'scenario.yaml:3:3 fleet.count: must be a number (got null)',
      'scenario.yaml:4:1 rollout: must be a mapping (got null)',
    ]);
  });

  it('uses an interpolated value from the environment it is given', () => {
    const r = parseScenario(
      'name: ${NAME:-fallback}\nfleet: { count: 1, namePattern: "${P}-{index}" }\n',
      'a.yaml',
      { env: { P: 'box' } },
    );
    expect(r.ok && [r.scenario.name, r.scenario.fleet.namePattern]).toEqual(['fallback', 'box-{index}']);
  });

  describe('with process.env', () => {
    afterEach(() => vi.unstubAllEnvs());
    it('reads ${NAME} from process.env when no env is passed', () => {
      vi.stubEnv('OTA_FLEET_TEST_NAME', 'from-env');
      const r = parseScenario('name: ${OTA_FLEET_TEST_NAME}\nfleet: { count: 1 }\n', 'a.yaml');
      expect(r.ok && r.scenario.name).toBe('from-env');
    });
  });

  it('keeps warnings apart from problems', () => {
    const text =
      'name: t\nfleet: { count: 1 }\nload: { model: arrival-rate, phases: [{ duration: 2m, rate: 1 }] }\n';
    const r = parseScenario(text, 's.yaml', { env: {} });
    expect(r.ok).toBe(true);
    expect(r.warnings.map(formatProblem)).toEqual([
      's.yaml:3:38 load.phases: last 2m, longer than stop.duration (1m): the last 1m never run [arrival-rate-fits-duration]',
    ]);
  });
});

describe('loadScenario', () => {
  it('returns the source text and the device keys of a device-token scenario', async () => {
    const loaded = await loadScenario('test/fixtures/scenarios/valid/device-tokens.json', { env: {} });
    expect(loaded.ok).toBe(true);
    expect(loaded.source).toContain('"name": "device-tokens"');
    expect(loaded.deviceKeys).toEqual({
      'sensor-1': 'DR883k7np7iYavEtpHeArHV86tUTEwKdNkC6gdee78I=',
      'sensor-2': 'c2VjcmV0',
      'sensor-3': 'c2VjcmV0LTM=',
    });
  });

  it('throws ERR_SCENARIO_NOT_FOUND for a file it cannot read', async () => {
    await expect(loadScenario('test/fixtures/scenarios/none.yaml')).rejects.toMatchObject({
      code: 'ERR_SCENARIO_NOT_FOUND',
      message: 'cannot read scenario file test/fixtures/scenarios/none.yaml (ENOENT)',
    });
  });
});
