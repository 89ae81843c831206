/** The MQTT push figures in the text, Markdown and HTML reports: shown when devices used MQTT, absent otherwise. */
import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/metrics/run-summary.ts';
import { renderHtml } from '../../../src/report/render-html.ts';
import { renderMarkdown } from '../../../src/report/render-markdown.ts';
import { renderText } from '../../../src/report/render-text.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

function withPush(): RunSummary {
  const s = structuredClone(createExampleSummary());
  s.counters = {
    ...s.counters,
    mqtt_connections_up: 170,
    'mqtt_connections_failed{code=ERR_MQTT_CONNECT_REFUSED}': 3,
    mqtt_connections_dropped: 2,
    mqtt_informs_received: 160,
    mqtt_informs_duplicate: 4,
  };
  s.durations = {
    ...s.durations,
    inform_to_check: {
      count: 160,
      min: 900,
      max: 52_000,
      mean: 8000,
      stddev: 4000,
      p50: 7000,
      p90: 15_000,
      p95: 20_000,
      p99: 41_000,
      p99_9: 52_000,
    },
  };
  return s;
}

describe('reports show the MQTT push', () => {
  it('text: one mqtt line with sessions, failures (summed over codes), drops, informs and inform→check p99', () => {
    const text = renderText(withPush());
    expect(text).toMatch(
      /mqtt {7}sessions up 170 · failed 3 · dropped 2 · informs 160 · duplicate informs 4 · inform→check p99 41(\.0+)?ms/,
    );
    expect(text).toMatch(/inform_to_check +p50 7(\.0+)?ms/);
  });

  it('Markdown and HTML name the informs and the push latency', () => {
    const s = withPush();
    expect(renderMarkdown(s)).toMatch(
      /MQTT push: 160 informs, inform→check p99 41(\.0+)?ms, 2 sessions dropped/,
    );
    const html = renderHtml(s);
    expect(html).toContain('MQTT informs');
    expect(html).toContain('inform→check p99');
  });

  it('a poll-only run shows no MQTT figures', () => {
    const s = createExampleSummary();
    expect(renderText(s)).not.toMatch(/^ {2}mqtt /m);
    expect(renderMarkdown(s)).not.toContain('MQTT push');
    expect(renderHtml(s)).not.toContain('MQTT informs');
  });
});
