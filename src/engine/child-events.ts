/**
 * The events a `--processes` child sends its parent, one JSON object per line on the child's fd 3
 * (a pipe the parent opens at spawn): each worker snapshot as it arrives (the parent merges them, so
 * an observer in the parent sees the whole fleet live), and a failure as one structured line (as
 * `src/server/main.ts` reports its own), never read back from stderr text.
 */
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ERROR_CODES, type ErrorCode } from '../error-codes.ts';
import type { MetricsSnapshot } from '../metrics/snapshot.ts';

/** The fd of the events pipe in a child. */
export const CHILD_EVENTS_FD = 3;

/** One line of the events pipe. */
export type ChildEvent =
  | { event: 'snapshot'; source: string; snapshot: MetricsSnapshot }
  | { event: 'error'; code: ErrorCode; message: string };

/** The child's writer of events; `close()` resolves once every line is handed to the pipe. */
export interface ChildEventSink {
  send(e: ChildEvent): void;
  close(): Promise<void>;
}

/** Opens the events pipe on `fd` (default 3) in a child process. */
export function openChildEvents(fd = CHILD_EVENTS_FD): ChildEventSink {
  const socket = new Socket({ fd, readable: false, writable: true });
  socket.on('error', () => {}); // the parent is gone: nothing to tell it
  return {
    send: (e) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify(e)}\n`);
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (socket.destroyed) resolve();
        else socket.end(() => resolve());
      }),
  };
}

/** Parses one line of the events pipe; undefined for anything that is not a well-formed event. */
export function parseChildEvent(line: string): ChildEvent | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const e = v as Record<string, unknown>;
  if (e['event'] === 'snapshot' && typeof e['source'] === 'string' && typeof e['snapshot'] === 'object')
    return e as unknown as ChildEvent;
  if (e['event'] === 'error' && typeof e['message'] === 'string') {
    const code =
      typeof e['code'] === 'string' && e['code'] in ERROR_CODES ? (e['code'] as ErrorCode) : 'ERR_INTERNAL';
    return { event: 'error', code, message: e['message'] };
  }
  return undefined;
}

/** Reads events from a child's pipe, line by line, until it ends. */
export function readChildEvents(input: Readable, on: (e: ChildEvent) => void): void {
  let buffered = '';
  input.setEncoding('utf8');
  input.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const e = parseChildEvent(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (e !== undefined) on(e);
      nl = buffered.indexOf('\n');
    }
  });
  input.on('error', () => {});
}
