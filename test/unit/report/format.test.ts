import { describe, expect, it } from 'vitest';
import { formatBytes, formatMicros, formatMillis, formatPercent } from '../../../src/report/format.ts';

describe('report number formats', () => {
  it('shows latencies in µs, ms, s or minutes with three significant digits', () => {
    expect(formatMicros(850)).toBe('850µs');
    expect(formatMicros(999.7)).toBe('1.00ms');
    expect(formatMicros(12_345)).toBe('12.3ms');
    expect(formatMicros(9_999)).toBe('10.0ms');
    expect(formatMicros(4_100_000)).toBe('4.10s');
    expect(formatMicros(125_000_000)).toBe('2m05s');
    expect(formatMicros(null)).toBe('-');
    expect(formatMillis(3_720_000)).toBe('1h02m');
  });

  it('shows bytes in binary units and fractions as percentages', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(78_643_200)).toBe('75.0 MiB');
    expect(formatPercent(0.915)).toBe('91.5%');
    expect(formatPercent(0.0004)).toBe('0.04%');
    expect(formatPercent(0)).toBe('0.0%');
  });
});
