import { describe, expect, it } from 'vitest';
import { describeValue, editDistance, knownKeysAt, suggestKey } from '../../../src/scenario/issues.ts';
import { scenarioSchema } from '../../../src/scenario/schema.ts';

describe('key suggestions', () => {
  it('measures edit distance without regard to case', () => {
    expect(editDistance('pollintervall', 'pollInterval')).toBe(1);
    expect(editDistance('cancle', 'cancel')).toBe(2);
  });
  it('suggests a known key within two edits, never for a short unrelated key', () => {
    expect(suggestKey('pollIntreval', ['pollInterval', 'pollJitter'])).toBe('pollInterval');
    expect(suggestKey('bach', ['at', 'batch'])).toBe('batch');
    expect(suggestKey('colour', ['name', 'weight'])).toBeUndefined();
    expect(suggestKey('x', ['at'])).toBeUndefined();
  });
  it('knows the keys of every branch a union allows at a path', () => {
    expect([...knownKeysAt(scenarioSchema, ['rollout', 'steps', 0])].sort()).toEqual([
      'at',
      'batch',
      'cancel',
      'cancelDevice',
    ]);
    expect([...knownKeysAt(scenarioSchema, ['load'])].sort()).toEqual([
      'maxDevices',
      'model',
      'phases',
      'stages',
    ]);
    expect(knownKeysAt(scenarioSchema, ['profiles', 3, 'faults']).has('stallTime')).toBe(true);
  });
});

describe('describeValue', () => {
  it('shows what the user wrote', () => {
    expect([
      describeValue(0),
      describeValue('10 s'),
      describeValue(null),
      describeValue([]),
      describeValue([1]),
      describeValue({}),
    ]).toEqual(['0', '"10 s"', 'null', 'an empty list', 'a list of 1 item', 'a mapping']);
  });
});
