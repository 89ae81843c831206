import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compareSummaries, lackedCalls } from '../../../src/compare/compare.ts';
import { renderComparisonText } from '../../../src/compare/render.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { parseSummary } from '../../../src/report/summary.ts';

/** summary.json as ota-fleet wrote it before verdicts, cut requests and error samples existed. */
const OLD = 'test/fixtures/summaries/ci-gate-v1-before-verdict.json';
const readOld = (): Record<string, unknown> => JSON.parse(readFileSync(OLD, 'utf8'));

/** The old summary as an even older writer would have left it: without the calls it did not know. */
function withoutCalls(...calls: string[]): Record<string, unknown> {
  const json = readOld();
  const c = json['calls'] as Record<string, unknown>;
  for (const call of calls) delete c[call];
  return json;
}

describe('older summaries', () => {
  it('loads a summary written before this change and renders it with a verdict judged now', () => {
    const s = parseSummary(readOld(), OLD);
    expect(s.verdict).toBeUndefined();
    expect(renderText(s)).toMatch(/^VERDICT {2}PASSED · all 7 thresholds passed$/m);
  });

  it('loads a summary that lacks calls: a missing call is simply absent', () => {
    const s = parseSummary(withoutCalls('task-state', 'query-version'), 'old.json');
    expect(s.calls['task-state']).toBeUndefined();
    expect(lackedCalls(s)).toEqual(['task-state', 'query-version']);
    expect(renderText(s)).toContain('check');
  });

  it('compare says which calls one side lacks, and still compares the rest', () => {
    const baseline = parseSummary(withoutCalls('task-state'), 'base.json');
    const current = parseSummary(readOld(), OLD);
    const c = compareSummaries(baseline, current, { policy: { checks: {} }, baselineLabel: 'base.json' });
    expect(c.warnings).toContain(
      'the baseline has no entry for the call task-state (written by an ota-fleet that did not know it): compared as no data',
    );
    expect(c.ok).toBe(true);
    expect(c.items.find((i) => i.metric === 'check.p99')?.status).toBe('ok');
    const text = renderComparisonText(c, { scenario: 'ci-gate', current: OLD });
    expect(text).toContain('has no entry for the call task-state');
    const reverse = compareSummaries(current, baseline, { policy: { checks: {} }, baselineLabel: OLD });
    expect(reverse.warnings?.some((w) => w.startsWith('this run has no entry for the call task-state'))).toBe(
      true,
    );
  });
});
