import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../../src/report/render-html.ts';
import { createExampleSummary, EXAMPLE_SCENARIO_SOURCE } from '../../helpers/example-summary.ts';

/** The inline summary JSON of a report page. */
function inlineData(html: string): unknown {
  const m = /<script id="summary-data" type="application\/json">([\s\S]*?)<\/script>/.exec(html);
  expect(m).not.toBeNull();
  return JSON.parse(m![1]!);
}

describe('renderHtml', () => {
  const summary = createExampleSummary({ thresholds: true });
  const html = renderHtml(summary);

  it('is self-contained: no remote src/href, uPlot inlined, empty favicon', () => {
    expect(html).not.toMatch(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(\s*["']?https?:/i);
    expect(html).toContain('<link rel="icon" href="data:,">');
    expect(html).toContain('var uPlot'); // the IIFE bundle defines the global
    expect(html).toContain('.uplot'); // uPlot's stylesheet
    expect(html.length).toBeGreaterThan(50_000);
  });

  it('inlines the summary so a </script> in the scenario cannot break out', () => {
    expect(EXAMPLE_SCENARIO_SOURCE).toContain('</script><script>');
    const dataBlock = /<script id="summary-data"[^>]*>([\s\S]*?)<\/script>/.exec(html)![1]!;
    expect(dataBlock).not.toContain('<');
    const data = inlineData(html) as { scenario: { source: string }; histograms?: unknown };
    expect(data.scenario.source).toBe(EXAMPLE_SCENARIO_SOURCE);
    expect(data.histograms).toBeUndefined();
    // the source shown on the page is escaped text, not markup
    expect(html).toContain(
      'demo &lt;/script&gt;&lt;script&gt;window.__pwned = 1&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;',
    );
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it('has a container per chart, the verdict first and tables of calls, errors and rollout', () => {
    for (const name of [
      'convergence',
      'latency:check',
      'latency:download',
      'throughput',
      'devices',
      'errors',
    ]) {
      expect(html).toContain(`data-chart="${name}"`);
    }
    expect(html).not.toContain('data-chart="latency:task-state"');
    expect(html.indexOf('data-verdict="failed"')).toBeLessThan(html.indexOf('data-chart='));
    expect(html).toContain('1 of 2 thresholds failed');
    expect(html).toMatch(/<td>check<\/td><td class="num">6,000<\/td><td class="num">120 \(2\.0%\)<\/td>/);
    expect(html).toMatch(
      /<td>ERR_HTTP_STATUS<\/td><td>check<\/td><td>HTTP 503<\/td><td class="num">120<\/td>/,
    );
    expect(html).toContain('<td>1.0.0</td><td class="num">76</td><td class="num">6</td>');
    expect(html).not.toContain('data-partial');
  });

  it('shows a note instead of the convergence chart without a rollout, and a PARTIAL banner', () => {
    const page = renderHtml(createExampleSummary({ rollout: false, partial: true }));
    expect(page).not.toContain('data-chart="convergence"');
    expect(page).toContain('no convergence curve');
    expect(page).toContain('data-partial="true"');
    expect(page).toContain('PARTIAL RUN (interrupted)');
  });
});
