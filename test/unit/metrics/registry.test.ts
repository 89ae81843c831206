import { describe, expect, it } from 'vitest';
import { metricKey, metricNameOf, parseMetricKey } from '../../../src/metrics/keys.ts';
import {
  COUNTER_NAMES,
  callDurationMetric,
  callOfMetric,
  GAUGE_NAMES,
  HISTOGRAM_NAMES,
  METRICS,
} from '../../../src/metrics/registry.ts';
import { OTA_CALLS } from '../../../src/ota/routes.ts';

describe('metric registry', () => {
  it('defines every name once with its kind, a unit and a description', () => {
    const names = [...HISTOGRAM_NAMES, ...COUNTER_NAMES, ...GAUGE_NAMES];
    expect(new Set(names).size).toBe(names.length);
    expect(Object.keys(METRICS).sort()).toEqual([...names].sort());
    for (const n of HISTOGRAM_NAMES) expect(METRICS[n]).toMatchObject({ kind: 'histogram', unit: 'us' });
    for (const n of COUNTER_NAMES) expect(METRICS[n].kind).toBe('counter');
    for (const n of GAUGE_NAMES) expect(METRICS[n].kind).toBe('gauge');
    for (const n of names) {
      expect(n).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
      expect(METRICS[n].name).toBe(n);
      expect(METRICS[n].description.length).toBeGreaterThan(5);
    }
  });

  it('maps every call to its own latency histogram, download to ota_download_duration', () => {
    const metrics = OTA_CALLS.map(callDurationMetric);
    expect(new Set(metrics).size).toBe(OTA_CALLS.length);
    for (const m of metrics) expect(METRICS[m].kind).toBe('histogram');
    expect(callDurationMetric('download')).toBe('ota_download_duration');
    expect(callDurationMetric('check')).toBe('ota_check_duration');
    for (const call of OTA_CALLS) expect(callOfMetric(callDurationMetric(call))).toBe(call);
    expect(callOfMetric('ota_download_ttfb')).toBeUndefined();
  });
});

describe('series keys', () => {
  it('serialise tags sorted by key as name{k=v,k2=v2}', () => {
    expect(metricKey('errors', { code: 'ERR_HTTP_STATUS', call: 'check', status: 503 })).toBe(
      'errors{call=check,code=ERR_HTTP_STATUS,status=503}',
    );
    expect(metricKey('devices_booted')).toBe('devices_booted');
    expect(metricKey('devices_booted', {})).toBe('devices_booted');
  });

  it('parse back exactly, even with separators inside tag values', () => {
    const tags = { profile: 'a,b=c{d}%', from: '1.0.0' };
    const key = metricKey('devices_upgraded', tags);
    expect(key).not.toContain('a,b');
    expect(parseMetricKey(key)).toEqual({ name: 'devices_upgraded', tags });
    expect(metricNameOf(key)).toBe('devices_upgraded');
    expect(parseMetricKey('ota_requests')).toEqual({ name: 'ota_requests', tags: {} });
  });
});

describe('metrics stays a leaf', () => {
  it('imports nothing of ours except types from ota and error-codes', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = new URL('../../../src/metrics/', import.meta.url);
    let seen = 0;
    for (const file of await readdir(dir)) {
      const text = await readFile(new URL(file, dir), 'utf8');
      for (const m of text.matchAll(/^import\s+(type\s+)?[^'"]*from\s+'(\.\.\/[^']+)'/gm)) {
        expect({ file, from: m[2], typeOnly: Boolean(m[1]) }).toMatchObject({ typeOnly: true });
        expect(m[2]).toMatch(/^\.\.\/(ota\/|error-codes\.ts)/);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(3);
  });

  it('lists the same calls as the protocol, in protocol order', async () => {
    const { METRIC_CALLS } = await import('../../../src/metrics/registry.ts');
    expect(METRIC_CALLS).toEqual(OTA_CALLS);
  });
});
