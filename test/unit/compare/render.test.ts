import { describe, expect, it } from 'vitest';
import { compareSummaries } from '../../../src/compare/compare.ts';
import {
  comparisonHeadline,
  renderComparisonMarkdown,
  renderComparisonText,
} from '../../../src/compare/render.ts';
import { renderMarkdown } from '../../../src/report/render-markdown.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

const base = createExampleSummary();
const slow = structuredClone(base);
slow.calls.check!.latency.p50 *= 10;
const c = compareSummaries(base, slow, { policy: { checks: {} }, baselineLabel: 'baselines/x' });
const ctx = { scenario: 'example-rollout', current: 'reports/now' };

describe('comparison renderings', () => {
  it('says how many checks regressed and which', () => {
    expect(comparisonHeadline(c)).toBe('1 of 17 checks regressed (check.p50)');
    const same = compareSummaries(base, base, { policy: { checks: {} }, baselineLabel: 'b' });
    expect(comparisonHeadline(same)).toBe('no regression in 17 checks');
  });

  it('prints a side-by-side table with status, baseline, this run and change', () => {
    const text = renderComparisonText(c, ctx);
    const lines = text.split('\n');
    expect(lines[0]).toBe('ota-fleet compare · scenario example-rollout');
    expect(lines[1]).toBe(
      '  baseline  baselines/x (run run-example-0001, 2026-01-02T03:04:05.000Z, ota-fleet 0.1.0)',
    );
    expect(lines[4]).toMatch(/^ {2}STATUS {5}CHECK +BASELINE +THIS RUN +CHANGE +NOTE$/);
    expect(lines.find((l) => l.includes('check.p50'))).toMatch(
      /^ {2}REGRESSED +check\.p50 +3\.00ms +30\.0ms +\+900\.0% +worse by 27\.0ms, more than the 1\.00ms allowed$/,
    );
    expect(lines.at(-1)).toBe('VERDICT  REGRESSED · 1 of 17 checks regressed (check.p50)');
  });

  it('writes a Markdown table (one row per check) and the thresholds of this run', () => {
    const md = renderComparisonMarkdown(c, {
      ...ctx,
      thresholds: [{ metric: 'success_rate', expression: '> 99%', observed: 0.98, unit: 'ratio', ok: false }],
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('## 📉 example-rollout: 1 of 17 checks regressed (check.p50)');
    const header = lines.indexOf('| | Check | Baseline | This run | Change | Note |');
    expect(lines[header + 1]).toBe('|:---|:---|---:|---:|---:|:---|');
    const rows = lines.slice(header + 2, header + 2 + 17);
    expect(rows.every((r) => r.startsWith('| ') && r.split(' | ').length === 6)).toBe(true);
    expect(rows[3]).toBe(
      '| 📉 | `check.p50` | 3.00ms | 30.0ms | +900.0% | worse by 27.0ms, more than the 1.00ms allowed |',
    );
    expect(md).toContain('### Thresholds: 1 of 1 failed');
    expect(md).toContain('| ❌ | `success_rate` | `> 99%` | 98% |');
    expect(md.endsWith('\n')).toBe(true);
  });

  it('puts warnings in a callout', () => {
    const md = renderComparisonMarkdown({ ...c, warnings: ['the scenario file changed <since>'] }, ctx);
    expect(md).toContain('> [!WARNING]\n> the scenario file changed &lt;since&gt;');
  });
});

describe('run reports render thresholds and comparison in their units', () => {
  const s = structuredClone(slow);
  s.thresholds = [
    {
      metric: 'ota_check_duration',
      expression: 'p(99) < 5ms',
      observed: 9.8,
      unit: 'ms',
      ok: false,
      abortedRun: true,
    },
    {
      metric: 'devices_upgraded',
      expression: 'p99_time < 1m',
      observed: null,
      unit: 'ms',
      ok: false,
      detail: 'never reached',
    },
  ];
  s.comparison = c;
  it('in text', () => {
    const text = renderText(s);
    expect(text).toContain('FAIL  ota_check_duration  p(99) < 5ms  (observed 9.80ms (aborted the run))');
    expect(text).toContain('FAIL  devices_upgraded  p99_time < 1m  (observed never reached)');
    expect(text).toContain('COMPARISON  against baselines/x: 1 regressions');
    expect(text).toContain(
      '  REGRESSED  check.p50  3.00ms -> 30.0ms  (worse by 27.0ms, more than the 1.00ms allowed)',
    );
  });
  it('in Markdown', () => {
    const md = renderMarkdown(s);
    expect(md).toContain('| ❌ | `ota_check_duration` | `p(99) < 5ms` | 9.80ms (aborted the run) |');
    expect(md).toContain('| 📉 | `check.p50` | 3.00ms | 30.0ms | +900.0% |');
  });
});
