import { describe, expect, it } from 'vitest';
import { compareSummaries } from '../../../src/compare/compare.ts';
import { renderJUnit, xmlEscape } from '../../../src/compare/junit.ts';
import type { ComparisonSummary, ThresholdResult } from '../../../src/metrics/run-summary.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';
import { findAll, parseXml } from './xml.ts';

const base = createExampleSummary();
const slow = structuredClone(base);
slow.calls.check!.latency.p99 *= 3;
slow.totals.successRate -= 0.02;
const comparison: ComparisonSummary = compareSummaries(base, slow, {
  policy: { checks: {} },
  baselineLabel: 'reports/baselines/<ci> & "gate"',
});
const thresholds: ThresholdResult[] = [
  { metric: 'ota_check_duration', expression: 'p(99) < 20ms', observed: 29.4, unit: 'ms', ok: false },
  {
    metric: 'errors{code:ERR_TRANSPORT_RESET}',
    expression: 'count < 10',
    observed: 0,
    unit: 'count',
    ok: true,
  },
];

describe('renderJUnit', () => {
  const xml = renderJUnit({ scenario: 'ci-gate', startedAt: base.run.startedAt, comparison, thresholds });
  const root = parseXml(xml);

  it('is well-formed XML with testsuites > testsuite > testcase and consistent counts', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true);
    expect(root.name).toBe('testsuites');
    const suites = findAll(root, 'testsuite');
    expect(suites.map((s) => s.attrs.name)).toEqual([
      'ota-fleet compare ci-gate vs reports/baselines/<ci> & "gate"',
      'ota-fleet thresholds ci-gate',
    ]);
    const cases = findAll(root, 'testcase');
    const failures = findAll(root, 'failure');
    expect(cases).toHaveLength(comparison.items.length + 2);
    expect(root.attrs).toMatchObject({
      tests: String(cases.length),
      failures: String(failures.length),
      errors: '0',
    });
    for (const s of suites) {
      expect(Number(s.attrs.tests)).toBe(findAll(s, 'testcase').length);
      expect(Number(s.attrs.failures)).toBe(findAll(s, 'failure').length);
      expect(s.attrs.timestamp).toBe(base.run.startedAt.slice(0, 19));
    }
  });

  it('has one case per check and a failure with a message for each regression', () => {
    const [compareSuite, thresholdSuite] = findAll(root, 'testsuite');
    const regressed = comparison.items.filter((i) => !i.ok).map((i) => i.metric);
    expect(regressed).toEqual(['check.p99', 'success_rate']);
    const failed = findAll(compareSuite!, 'testcase').filter((c) =>
      c.children.some((x) => x.name === 'failure'),
    );
    expect(failed.map((c) => c.attrs.name)).toEqual(regressed);
    const failure = failed[0]!.children[0]!;
    expect(failure.attrs.type).toBe('regressed');
    expect(failure.attrs.message).toMatch(
      /^check\.p99 regressed: 9\.80ms -> 29\.4ms \(\+200\.0%\): worse by 19\.6ms/,
    );
    expect(failed[0]!.attrs.classname).toBe('ota-fleet.compare.ci-gate');
    const t = findAll(thresholdSuite!, 'testcase');
    expect(t.map((c) => [c.attrs.name, c.children[0]!.name])).toEqual([
      ['ota_check_duration p(99) < 20ms', 'failure'],
      ['errors{code:ERR_TRANSPORT_RESET} count < 10', 'system-out'],
    ]);
  });

  it('renders a comparison alone, and an empty document without either part', () => {
    expect(
      findAll(parseXml(renderJUnit({ scenario: 'x', startedAt: '', comparison })), 'testsuite'),
    ).toHaveLength(1);
    const empty = parseXml(renderJUnit({ scenario: 'x', startedAt: 'nonsense' }));
    expect(empty.attrs.tests).toBe('0');
  });
});

describe('xmlEscape', () => {
  it('escapes markup and drops characters XML 1.0 cannot hold', () => {
    expect(xmlEscape(`a<b>&"c'\u0000\u0007d\u{1F600}`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;d\u{1F600}');
    const doc = `<r a="${xmlEscape('x"<&\u0001')}">${xmlEscape('<&>\u001b')}</r>`;
    expect(parseXml(doc)).toEqual({ name: 'r', attrs: { a: 'x"<&' }, children: [], text: '<&>' });
  });

  it('is checked by a reader that rejects malformed XML', () => {
    for (const bad of [
      '<a>',
      '<a></b>',
      '<a x=1/>',
      '<a>&foo;</a>',
      '<a>1 < 2</a>',
      '<a/><b/>',
      '<a x="1" x="2"/>',
    ])
      expect(() => parseXml(bad), bad).toThrow(/^XML: /);
  });
});
