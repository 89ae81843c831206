import { describe, expect, it } from 'vitest';
import { deviceIndex, deviceName } from '../../../src/scenario/names.ts';

describe('deviceName', () => {
  it('expands {index} as is and {index:N} zero-padded to N digits, counting from 1', () => {
    expect(deviceName('dev-{index}', 1)).toBe('dev-1');
    expect(deviceName('dev-{index:06}', 42)).toBe('dev-000042');
    expect(deviceName('m{index:2}', 1234)).toBe('m1234');
    expect(deviceName('{index}-{index:3}', 7)).toBe('7-007');
  });
});

describe('deviceIndex', () => {
  it('finds the index a name was made from', () => {
    expect(deviceIndex('dev-{index:06}', 'dev-000042')).toBe(42);
    expect(deviceIndex('a.b-{index}', 'a.b-12')).toBe(12);
    expect(deviceIndex('{index}-{index:3}', '7-007')).toBe(7);
  });
  it('refuses names the pattern cannot make, index 0 and indexes past count', () => {
    expect(deviceIndex('dev-{index:06}', 'dev-42')).toBeUndefined();
    expect(deviceIndex('dev-{index}', 'dev-042')).toBeUndefined();
    expect(deviceIndex('dev-{index}', 'dev-0')).toBeUndefined();
    expect(deviceIndex('dev-{index}', 'dev-11', 10)).toBeUndefined();
    expect(deviceIndex('a.b-{index}', 'aXb-1')).toBeUndefined();
    expect(deviceIndex('{index}-{index:3}', '7-008')).toBeUndefined();
  });
});
