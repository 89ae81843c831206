import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../src/scenario/load.ts';
import { formatProblem } from '../../../src/scenario/problems.ts';

const scenario = (extra: string) => `name: t\nfleet:\n  count: 10\n${extra}`;
const problems = (text: string) => {
  const r = parseScenario(text, 'gate.yaml', { env: {} });
  return { errors: r.ok ? [] : r.problems.map(formatProblem), warnings: r.warnings.map(formatProblem) };
};

describe('the threshold-expressions rule', () => {
  it('accepts every form of the issue', () => {
    const text = scenario(`thresholds:
  ota_check_duration: ["p(99) < 200ms", "p(50) < 20ms"]
  success_rate: ["> 99.5%"]
  devices_upgraded: ["p50_time < 2m", "fraction@10m >= 0.95"]
  errors{code:ERR_TRANSPORT_RESET}: ["count < 10"]
  error_rate: ["< 1%"]
  ota_requests: ["rate > 10"]
abortOnFail: { grace: 5s }
`);
    expect(problems(text)).toEqual({ errors: [], warnings: [] });
  });

  it('reports each bad expression at the file:line:col of its string, naming the column inside it', () => {
    const text = scenario(`thresholds:
  ota_check_duration:
    - "p(99) < 200ms"
    - "p(99) < 200xs"
  errors{cod:X}: ["count < 1"]
`);
    expect(problems(text).errors).toEqual([
      'gate.yaml:7:7 thresholds.ota_check_duration[1]: "p(99) < 200xs": unknown unit "xs" (use ms, s, m, h, µs, us or %) (column 12) [threshold-expressions]',
      'gate.yaml:8:18 thresholds["errors{cod:X}"]: errors has no tag cod (tags: code, call, errno, ota_errno, status, detail) [threshold-expressions]',
    ]);
  });

  it('warns when abortOnFail can never act', () => {
    expect(problems(scenario('abortOnFail: {}\n')).warnings).toEqual([
      'gate.yaml:4:14 abortOnFail: never stops the run: there are no thresholds (see docs/ci-gates.md) [threshold-expressions]',
    ]);
    const later = scenario(
      'thresholds: { devices_upgraded: ["fraction > 0.9"] }\nabortOnFail: { grace: 1s }\n',
    );
    expect(problems(later).warnings[0]).toMatch(/never stops the run: no threshold can only get worse/);
    expect(problems(scenario('abortOnFail: { enabled: false }\n')).warnings).toEqual([]);
  });
});
