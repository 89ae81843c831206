import { describe, expect, it } from 'vitest';
import { parseListenAddress, parseOutFlags } from '../../../src/outputs/outputs.ts';
import { createRunMetrics } from '../../../src/outputs/prometheus.ts';

describe('--metrics-listen [HOST:]PORT', () => {
  it('listens on loopback unless a host is given', () => {
    expect(parseListenAddress('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListenAddress('0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListenAddress('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListenAddress('[::1]:0')).toEqual({ host: '::1', port: 0 });
    expect(parseListenAddress('localhost:9100')).toEqual({ host: 'localhost', port: 9100 });
  });

  it('refuses what is not [HOST:]PORT with ERR_USAGE', () => {
    for (const bad of ['', 'abc', '70000', 'host:', ':80', '1.2.3.4:-1'])
      expect(() => parseListenAddress(bad), bad).toThrow(expect.objectContaining({ code: 'ERR_USAGE' }));
  });
});

describe('--out', () => {
  it('keeps a plain value as the report folder and reads ndjson=FILE as a typed output', () => {
    expect(parseOutFlags(undefined)).toEqual({ dir: 'reports', outputs: [] });
    expect(parseOutFlags('out/x')).toEqual({ dir: 'out/x', outputs: [] });
    expect(parseOutFlags(['ndjson=-'])).toEqual({
      dir: 'reports',
      outputs: [{ kind: 'ndjson', target: '-' }],
    });
    expect(parseOutFlags(['r', 'ndjson=live.ndjson'])).toEqual({
      dir: 'r',
      outputs: [{ kind: 'ndjson', target: 'live.ndjson' }],
    });
  });

  it('refuses an unknown kind, an empty target and two outputs on stdout', () => {
    expect(() => parseOutFlags(['csv=x'])).toThrow(/unknown output "csv"/);
    expect(() => parseOutFlags(['ndjson='])).toThrow(/give a file, or - for stdout/);
    expect(() => parseOutFlags(['ndjson=-', 'ndjson=-'])).toThrow(/only one --out may write to stdout/);
  });
});

describe('run metrics from cumulative counters', () => {
  it('adds only what grew, splits requests by outcome and sums errors over their other tags', async () => {
    const m = createRunMetrics({ processMetrics: false });
    m.applyCounters({
      'ota_requests{call=check}': 10,
      'ota_requests_failed{call=check}': 2,
      'errors{call=check,code=ERR_X,errno=7}': 1,
      'errors{call=check,code=ERR_X,errno=8}': 1,
      ota_download_bytes: 100,
      devices_upgraded: 3,
    });
    m.applyCounters({
      'ota_requests{call=check}': 15,
      'ota_requests_failed{call=check}': 2,
      'errors{call=check,code=ERR_X,errno=7}': 1,
      'errors{call=check,code=ERR_X,errno=8}': 1,
      ota_download_bytes: 250,
      devices_upgraded: 3,
    });
    const text = await m.registry.metrics();
    expect(text).toContain('ota_fleet_requests_total{call="check",outcome="ok"} 13');
    expect(text).toContain('ota_fleet_requests_total{call="check",outcome="error"} 2');
    expect(text).toContain('ota_fleet_request_errors_total{call="check",code="ERR_X"} 2');
    expect(text).toContain('ota_fleet_download_bytes_total 250');
    expect(text).toContain('ota_fleet_devices_total{state="upgraded"} 3');
    // a private registry: nothing of prom-client's global one
    expect(text).not.toMatch(/^process_cpu/m);
  });
  it('exposes requests cut by the stop apart from completed ones', async () => {
    const m = createRunMetrics({ processMetrics: false });
    m.applyCounters({ 'ota_requests{call=check}': 4, 'ota_requests_cut{call=check}': 6 });
    const text = await m.registry.metrics();
    expect(text).toContain('ota_fleet_requests_cut_total{call="check"} 6');
    expect(text).toContain('ota_fleet_requests_total{call="check",outcome="ok"} 4');
  });
});
