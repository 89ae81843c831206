import { describe, expect, it } from 'vitest';
import { loadDeviceKeys, parseDeviceKeys } from '../../../src/scenario/device-keys.ts';
import { formatProblem } from '../../../src/scenario/problems.ts';

describe('parseDeviceKeys', () => {
  it('reads name,key lines with an optional header, comments, blank lines and CRLF', () => {
    const r = parseDeviceKeys(
      'name,key\r\n# test devices\r\n\r\nd1, c2VjcmV0\r\nd2,DR883k7np7iYavEtpHeArHV86tUTEwKdNkC6gdee78I=\r\n',
      'k.csv',
    );
    expect(r.problems).toEqual([]);
    expect(r.keys).toEqual({ d1: 'c2VjcmV0', d2: 'DR883k7np7iYavEtpHeArHV86tUTEwKdNkC6gdee78I=' });
  });
  it('reports each bad line with its line and column', () => {
    const r = parseDeviceKeys('d1,c2VjcmV0\nd2,  abc\nd1,c2VjcmV0\njust-a-name\n', 'k.csv');
    expect(r.problems.map(formatProblem)).toEqual([
      'k.csv:2:6 key: must be base64 (got "abc")',
      'k.csv:3:1 name: "d1" is listed twice (first on line 1)',
      'k.csv:4:1 must be name,key (got 1 fields)',
    ]);
  });
  it('reports a file without any key', () => {
    expect(parseDeviceKeys('name,key\n', 'k.csv').problems.map(formatProblem)).toEqual([
      'k.csv:1:1 lists no device keys',
    ]);
  });
});

describe('loadDeviceKeys', () => {
  it('reads the CSV relative to the scenario file', async () => {
    const r = await loadDeviceKeys('test/fixtures/scenarios/valid/device-tokens.json', 'keys.csv');
    expect(r.file).toBe('test/fixtures/scenarios/valid/keys.csv');
    expect(Object.keys(r.keys)).toEqual(['sensor-1', 'sensor-2', 'sensor-3']);
  });
  it('says why a CSV cannot be read', async () => {
    const r = await loadDeviceKeys('test/fixtures/scenarios/valid/device-tokens.json', 'missing.csv');
    expect(r.unreadable).toBe('ENOENT');
  });
});
