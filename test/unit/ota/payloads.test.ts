import { describe, expect, it } from 'vitest';
import { Errno } from '../../../src/ota/codes.ts';
import {
  encodeCheckTask,
  encodeStepBody,
  encodeTaskState,
  encodeVersionBody,
  parseCheckTask,
  parseStepBody,
  parseTaskState,
  parseVersionBody,
} from '../../../src/ota/payloads.ts';

const task = { target: 'V2.0', tid: 42, size: 1000, md5: 'a'.repeat(32), status: 1, type: 1 as const };

describe('wire payloads: each encoded by one side parses on the other', () => {
  it('check task round-trips, tid as text', () => {
    const r = parseCheckTask(JSON.parse(JSON.stringify(encodeCheckTask(task))));
    expect(r).toEqual({ ok: true, value: { ...task, tid: '42' } });
  });

  it('check task: the spec rules refuse a bad target, size, md5, status or type', () => {
    const bad = [
      { ...task, target: 'V 2' },
      { ...task, size: -1 },
      { ...task, size: 31 * 1024 * 1024 },
      { ...task, md5: 'xyz' },
      { ...task, status: 4 },
      { ...task, type: 3 },
      { ...task, tid: undefined },
      null,
    ];
    for (const b of bad) expect(parseCheckTask(b).ok, JSON.stringify(b)).toBe(false);
    expect(parseCheckTask({ ...task, md5: 'A'.repeat(32) })).toMatchObject({
      ok: true,
      value: { md5: 'a'.repeat(32) },
    });
  });

  it('step body round-trips; a body without a numeric step is errno 24', () => {
    expect(parseStepBody(JSON.parse(encodeStepBody(101)))).toEqual({ ok: true, value: { step: 101 } });
    expect(parseStepBody({ step: '101' })).toMatchObject({ ok: false, errno: Errno.BAD_BODY });
  });

  it('task state round-trips; a status outside 1–6 is refused', () => {
    expect(parseTaskState(encodeTaskState(6))).toEqual({ ok: true, value: { status: 6 } });
    expect(parseTaskState({ status: 7 }).ok).toBe(false);
    expect(parseTaskState(undefined).ok).toBe(false);
  });

  it('version body: round-trips, errno 24 when empty, errno 27 for an invalid version', () => {
    expect(parseVersionBody(JSON.parse(encodeVersionBody({ f_version: 'V1', s_version: 'S1' })))).toEqual({
      ok: true,
      value: { f_version: 'V1', s_version: 'S1' },
    });
    expect(encodeVersionBody({ s_version: 'S1' })).toBe('{"s_version":"S1"}');
    expect(parseVersionBody({})).toMatchObject({ ok: false, errno: Errno.BAD_BODY });
    expect(parseVersionBody({ f_version: 'a b' })).toMatchObject({ ok: false, errno: Errno.BAD_VERSION });
  });
});
