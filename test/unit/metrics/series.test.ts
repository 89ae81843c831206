import { describe, expect, it } from 'vitest';
import { metricDataFromSummary, sumCounters } from '../../../src/compare/metric-data.ts';
import { metricKey, parseSeries } from '../../../src/metrics/keys.ts';
import { createExampleSummary } from '../../helpers/example-summary.ts';

describe('series keys parsed once into {name, tags}', () => {
  it('parses every key of a record once, with percent-encoded tag values restored', () => {
    const key = metricKey('errors', { code: 'ERR_X', detail: 'a,b=c{d}' });
    expect(parseSeries({ [key]: 3, devices_booted: 2 })).toEqual([
      { key, name: 'errors', tags: { code: 'ERR_X', detail: 'a,b=c{d}' }, value: 3 },
      { key: 'devices_booted', name: 'devices_booted', tags: {}, value: 2 },
    ]);
  });

  it('gives thresholds one parsed view of a summary, built once however many thresholds read it', () => {
    const data = metricDataFromSummary(createExampleSummary());
    const first = data.counterSeries();
    expect(data.counterSeries()).toBe(first);
    expect(data.histogramSeries()).toBe(data.histogramSeries());
    expect(first.find((s) => s.name === 'errors')?.tags).toMatchObject({
      call: 'check',
      code: 'ERR_HTTP_STATUS',
    });
    expect(sumCounters(data, { name: 'ota_requests', tags: { call: 'check' } })).toBe(6000);
  });
});
