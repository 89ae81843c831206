import { describe, expect, it } from 'vitest';
import { Errno, TaskStatus } from '../../../src/ota/codes.ts';
import { applyStep, finishedErrno, parseTid, statusAfterDownload } from '../../../src/server/task-machine.ts';

const { PENDING, DOWNLOADING, UPGRADING, SUCCEEDED, FAILED, CANCELLED } = TaskStatus;

describe('applyStep', () => {
  const cases: [string, number, number | null, number, number, number][] = [
    // name, status, lastStep, step, errno, status after
    ['progress starts the download', PENDING, null, 0, 0, DOWNLOADING],
    ['progress while downloading', DOWNLOADING, 10, 55, 0, DOWNLOADING],
    ['100 straight from pending', PENDING, null, 100, 0, UPGRADING],
    ['100 completes the download', DOWNLOADING, 99, 100, 0, UPGRADING],
    ['101 completes the download', DOWNLOADING, 40, 101, 0, UPGRADING],
    ['101 after 100 is tolerated', UPGRADING, 100, 101, 0, UPGRADING],
    ['101 after 101 is out of order', UPGRADING, 101, 101, Errno.BAD_TASK_STATE, UPGRADING],
    ['101 while pending is out of order', PENDING, null, 101, Errno.BAD_TASK_STATE, PENDING],
    ['100 again while upgrading', UPGRADING, 100, 100, Errno.BAD_TASK_STATE, UPGRADING],
    ['progress after the download', UPGRADING, 100, 50, Errno.BAD_TASK_STATE, UPGRADING],
    ['a download failure', DOWNLOADING, 20, 104, 0, FAILED],
    ['a download failure while pending', PENDING, null, 102, Errno.BAD_TASK_STATE, PENDING],
    ['a download failure while upgrading', UPGRADING, 100, 107, Errno.BAD_TASK_STATE, UPGRADING],
    ['201 while upgrading', UPGRADING, 100, 201, 0, SUCCEEDED],
    ['201 straight after check', PENDING, null, 201, Errno.BAD_TASK_STATE, PENDING],
    ['201 while downloading', DOWNLOADING, 50, 201, Errno.BAD_TASK_STATE, DOWNLOADING],
    ['an upgrade failure', UPGRADING, 101, 207, 0, FAILED],
    ['an upgrade failure while downloading', DOWNLOADING, 1, 205, Errno.BAD_TASK_STATE, DOWNLOADING],
    ['a report on a succeeded task', SUCCEEDED, 201, 201, Errno.TASK_FINISHED, SUCCEEDED],
    ['a report on a failed task', FAILED, 205, 10, Errno.TASK_FINISHED, FAILED],
    ['a report on a cancelled task', CANCELLED, 10, 20, Errno.TASK_CANCELLED, CANCELLED],
    ['an unknown step', DOWNLOADING, 10, 150, Errno.BAD_PARAM, DOWNLOADING],
    ['a negative step', DOWNLOADING, 10, -1, Errno.BAD_PARAM, DOWNLOADING],
    ['a fractional step', DOWNLOADING, 10, 10.5, Errno.BAD_PARAM, DOWNLOADING],
    ['an unknown step on a finished task', SUCCEEDED, 201, 300, Errno.BAD_PARAM, SUCCEEDED],
  ];
  for (const [name, status, last, step, errno, after] of cases) {
    it(`${name}: ${status}/${last} + ${step} → errno ${errno}, status ${after}`, () => {
      const r = applyStep(status, last, step, 'either');
      expect([r.errno, r.status]).toEqual([errno, after]);
      expect(r.step).toBe(errno === 0 ? step : last);
    });
  }

  it('keeps pending on progress when only a download starts downloading', () => {
    expect(applyStep(PENDING, null, 5, 'download')).toEqual({ errno: 0, status: PENDING, step: 5 });
    expect(applyStep(PENDING, null, 5, 'progress')).toEqual({ errno: 0, status: DOWNLOADING, step: 5 });
  });
});

describe('statusAfterDownload', () => {
  it('starts the download unless only progress reports do', () => {
    expect(statusAfterDownload(PENDING, 'either')).toBe(DOWNLOADING);
    expect(statusAfterDownload(PENDING, 'download')).toBe(DOWNLOADING);
    expect(statusAfterDownload(PENDING, 'progress')).toBe(PENDING);
    expect(statusAfterDownload(UPGRADING, 'either')).toBe(UPGRADING);
  });
});

describe('helpers', () => {
  it('finishedErrno names final statuses', () => {
    expect([1, 2, 3, 4, 5, 6].map(finishedErrno)).toEqual([0, 0, 0, 20, 20, 22]);
  });
  it('parseTid accepts positive integers only', () => {
    expect(parseTid('42')).toBe(42);
    for (const bad of [undefined, '', '0', '-1', '1.5', '01', 'abc', '9'.repeat(16)])
      expect(parseTid(bad)).toBeUndefined();
  });
});
