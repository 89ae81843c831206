import { describe, expect, it } from 'vitest';
import { editDistance, suggestFlag, unknownFlagMessage } from '../../../src/cli/suggest.ts';

const RUN_FLAGS = [
  'duration',
  'devices',
  'workers',
  'out',
  'quiet',
  'logLevel',
  'log-level',
  'processes',
  'help',
  'h',
];

describe('unknown flag suggestions', () => {
  it('measures typos as edits (a swap of two letters is one)', () => {
    expect(editDistance('duration', 'duration')).toBe(0);
    expect(editDistance('durration', 'duration')).toBe(1);
    expect(editDistance('druation', 'duration')).toBe(1);
    expect(editDistance('abc', '')).toBe(3);
  });
  it('suggests the nearest known flag, in kebab-case, and nothing for a flag far from all', () => {
    expect(suggestFlag('durration', RUN_FLAGS)).toBe('duration');
    expect(suggestFlag('wrkers', RUN_FLAGS)).toBe('workers');
    expect(suggestFlag('loglevel', RUN_FLAGS)).toBe('log-level');
    expect(suggestFlag('dur', RUN_FLAGS)).toBe('duration');
    expect(suggestFlag('banana', RUN_FLAGS)).toBeUndefined();
  });
  it('turns yargs’ message into one line per flag and a short usage hint, not the help', () => {
    const msg = unknownFlagMessage(
      'Unknown arguments: durration, zzz',
      ['run', 'x.yaml', '--durration=5s', '--zzz'],
      RUN_FLAGS,
    );
    expect(msg?.split('\n')).toEqual([
      'Unknown argument: --durration (did you mean --duration?)',
      'Unknown argument: --zzz',
      'Usage: ota-fleet run [options]; run "ota-fleet run --help" for the options.',
    ]);
    expect(unknownFlagMessage('Not enough non-option arguments', ['run'], RUN_FLAGS)).toBeUndefined();
  });
});
