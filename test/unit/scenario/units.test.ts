import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration, parseSize } from '../../../src/scenario/units.ts';

describe('units', () => {
  it('parses durations in ms, s, m and h, and bare numbers as milliseconds', () => {
    expect([
      parseDuration('250ms'),
      parseDuration('1.5s'),
      parseDuration('2m'),
      parseDuration('1h'),
      parseDuration(40),
    ]).toEqual([250, 1500, 120_000, 3_600_000, 40]);
  });
  it('rejects a space between number and unit, unknown units and negative numbers', () => {
    expect([
      parseDuration('10 s'),
      parseDuration('5 minutes'),
      parseDuration('10'),
      parseDuration(-1),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });
  it('parses sizes in binary and decimal units', () => {
    expect([
      parseSize('256KiB'),
      parseSize('1MB'),
      parseSize('2GiB'),
      parseSize(10),
      parseSize('1 MB'),
    ]).toEqual([262_144, 1_000_000, 2 * 1024 ** 3, 10, undefined]);
  });
  it('formats durations for people', () => {
    expect([
      formatDuration(850),
      formatDuration(12_500),
      formatDuration(200_000),
      formatDuration(120_000),
    ]).toEqual(['850ms', '12.5s', '3m 20s', '2m']);
  });
});
