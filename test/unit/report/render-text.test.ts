import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../src/report/render-markdown.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

describe('renderText', () => {
  const s = createExampleSummary({ thresholds: true });
  const text = renderText(s);

  it('shows each call with count, failures and latency percentiles from the summary', () => {
    const check = text.split('\n').find((l) => l.trimStart().startsWith('check'));
    expect(check).toBeDefined();
    // 6000 checks, 120 failed (2.0%), p50 3.00ms, p90 7.88ms, p99 9.80ms, max 10.0ms
    expect(check!.split(/\s+/).filter(Boolean)).toEqual([
      'check',
      '6,000',
      '120',
      '2.0%',
      '3.00ms',
      '7.88ms',
      '9.80ms',
      '10.0ms',
    ]);
    expect(s.calls.check!.latency.p99).toBeGreaterThanOrEqual(9795);
    expect(s.calls.check!.latency.p99).toBeLessThan(9805);
    expect(text).not.toMatch(/^\s+task-state/m);
  });

  it('shows totals, the rollout line, errors by code and thresholds', () => {
    expect(text).toContain('requests   6,421 · failed 121 (1.9%) · 214/s');
    expect(text).toContain('upgraded 183/200 (91.5%) · p50 8.68s · p90 18.0s · p99 -');
    expect(text).toMatch(/ERR_HTTP_STATUS\s+check\s+HTTP 503\s+120/);
    expect(text).toMatch(/ERR_OTA_ERRNO\s+report-status\s+errno 17\s+1/);
    expect(text).toContain('FAIL  errors  rate < 0.01  (observed 0.02)');
    expect(text).toContain('VERDICT  FAILED · 1 of 2 thresholds failed');
    expect(text).not.toContain('PARTIAL');
  });

  it('puts a PARTIAL banner on a partial run and leaves out a missing rollout', () => {
    const partial = renderText(createExampleSummary({ partial: true, rollout: false }));
    expect(partial).toContain('!! PARTIAL RUN (interrupted)');
    expect(partial).not.toContain('ROLLOUT');
  });
});

describe('renderMarkdown', () => {
  it('heads with the verdict and tabulates calls, rollout and errors', () => {
    const md = renderMarkdown(createExampleSummary({ thresholds: true }));
    expect(md.split('\n')[0]).toBe('## ❌ example-rollout: 1 of 2 thresholds failed');
    expect(md).toContain('| `check` | 6,000 | 120 (2.0%) | 3.00ms | 7.88ms | 9.80ms | 10.0ms |');
    expect(md).toContain('| 200 | 183 (91.5%) | 6 | 1 | 10 | 8.68s | 18.0s | - |');
    expect(md).toContain('| `ERR_HTTP_STATUS` | `check` | HTTP 503 | 120 |');
    expect(md).toContain('| ❌ | `errors` | `rate < 0.01` | 0.02 |');
    expect(md).toContain('upgraded **183/200** (91.5%)');
  });

  it('warns about a partial run and escapes table cells', () => {
    const s = createExampleSummary({ partial: true });
    s.notes.push('a | b <script>');
    const md = renderMarkdown(s);
    expect(md.split('\n')[0]).toBe('## ℹ️ example-rollout: completed (no thresholds)');
    expect(md).toContain('> **Partial run** (interrupted)');
    expect(md).toContain('- a \\| b &lt;script&gt;');
  });
});
