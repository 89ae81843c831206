/**
 * The device task state machine of spec §3, as pure functions of a task's status and last step.
 * The server applies the result to the task record; nothing here does I/O.
 */
import { classifyStep, Errno, Step, TaskStatus } from '../ota/codes.ts';
import type { DownloadingOn } from './config.ts';

/** Result of a step report: the errno to answer, and the task's status and step afterwards. */
export interface StepResult {
  errno: number;
  status: number;
  step: number | null;
}

/** The errno a report on a task in a final status gets: 22 cancelled, 20 finished; 0 when live. */
export function finishedErrno(status: number): number {
  if (status === TaskStatus.CANCELLED) return Errno.TASK_CANCELLED;
  if (status === TaskStatus.SUCCEEDED || status === TaskStatus.FAILED) return Errno.TASK_FINISHED;
  return Errno.OK;
}

/**
 * Applies step `step` (call 4) to a task in `status` whose last accepted step is `lastStep`.
 * Order of checks: unknown step → 2; finished → 20, cancelled → 22; out of order → 17.
 */
export function applyStep(
  status: number,
  lastStep: number | null,
  step: number,
  downloadingOn: DownloadingOn,
): StepResult {
  const same = { status, step: lastStep };
  const kind = classifyStep(step);
  if (kind === 'invalid') return { errno: Errno.BAD_PARAM, ...same };
  const done = finishedErrno(status);
  if (done !== Errno.OK) return { errno: done, ...same };
  const ok = (next: number): StepResult => ({ errno: Errno.OK, status: next, step });
  const outOfOrder: StepResult = { errno: Errno.BAD_TASK_STATE, ...same };
  const pending = status === TaskStatus.PENDING;
  const downloading = status === TaskStatus.DOWNLOADING;
  const upgrading = status === TaskStatus.UPGRADING;
  switch (kind) {
    case 'progress':
      if (downloading) return ok(status);
      if (pending) return ok(downloadingOn === 'download' ? status : TaskStatus.DOWNLOADING);
      return outOfOrder;
    case 'download-ok':
      if (step === Step.DOWNLOAD_COMPLETE)
        return pending || downloading ? ok(TaskStatus.UPGRADING) : outOfOrder;
      if (downloading) return ok(TaskStatus.UPGRADING);
      // 101 straight after 100 repeats "download succeeded": tolerated, nothing changes but the step.
      if (upgrading && lastStep === Step.DOWNLOAD_COMPLETE) return ok(status);
      return outOfOrder;
    case 'download-failed':
      return downloading ? ok(TaskStatus.FAILED) : outOfOrder;
    case 'upgrade-ok':
      return upgrading ? ok(TaskStatus.SUCCEEDED) : outOfOrder;
    case 'upgrade-failed':
      return upgrading ? ok(TaskStatus.FAILED) : outOfOrder;
  }
}

/** Status of a task after a download request (call 3): pending moves to downloading unless configured not to. */
export function statusAfterDownload(status: number, downloadingOn: DownloadingOn): number {
  return status === TaskStatus.PENDING && downloadingOn !== 'progress' ? TaskStatus.DOWNLOADING : status;
}

/** Parses a tid path segment (a positive integer); undefined when it cannot name a task. */
export function parseTid(tid: string | undefined): number | undefined {
  return tid !== undefined && /^[1-9]\d{0,14}$/.test(tid) ? Number(tid) : undefined;
}
