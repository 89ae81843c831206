/**
 * The requests one worker has in flight, for two jobs: the whole-exchange deadline (`requestTimeout`
 * covers headers and body, so a reply that drips or never ends is cut) and the stop (each request still
 * in flight is counted once as cut, with its age). Cheap on the hot path: the request's own handler is
 * the list node (no extra object, no closure), and requests with the same timeout are kept in one FIFO
 * list, whose deadlines are therefore in order — one shared timer looks only at the heads of a few lists.
 */
import { performance } from 'node:perf_hooks';
import type { OtaCall } from '../ota/routes.ts';

/** One request in flight; the transport's handlers implement it and are their own list node. */
export interface InFlightEntry {
  readonly call: OtaCall;
  /** `performance.now()` the request was meant to go out (its age is measured from here). */
  readonly intendedAt: number;
  /** `performance.now()` after which the exchange has overrun its deadline. */
  deadlineAt: number;
  /** Aborts the request because its deadline passed (the request then fails with ERR_TRANSPORT_DEADLINE). */
  expire(): void;
  prev: InFlightEntry | undefined;
  next: InFlightEntry | undefined;
  list: InFlightList | undefined;
}

/** A FIFO doubly linked list of entries that share one timeout. */
class InFlightList {
  head: InFlightEntry | undefined;
  tail: InFlightEntry | undefined;
  constructor(readonly timeoutMs: number) {}
}

/** Who is told about each request the stop cut (the worker's recorder). */
export type CutSink = (call: OtaCall, ageMicros: number) => void;

/** The in-flight registry of one worker. */
export interface InFlightRegistry {
  /** Registers a request that is about to be dispatched; its deadline is `now + timeoutMs`. */
  add(entry: InFlightEntry, timeoutMs: number): void;
  /** Removes a request that ended (completed or failed); a no-op when it is not registered. */
  remove(entry: InFlightEntry): void;
  /** Expires every request whose deadline is at or before `now`; returns how many. */
  expireDue(now: number): number;
  /** Requests in flight. */
  readonly size: number;
  /**
   * The stop: hands every request still in flight to `sink` once (age from its intended send time to
   * `now`, µs), empties the registry and stops the timer. Requests that end later are not registered.
   */
  cutAll(sink: CutSink, now?: number): number;
}

/** Options of the registry: the tick of its one shared timer (0: no timer, the caller calls `expireDue`). */
export interface InFlightOptions {
  tickMs?: number;
  now?: () => number;
}

const MAX_LISTS = 16;

/** Creates a registry; with `tickMs > 0` one unref'd interval expires overdue requests. */
export function createInFlightRegistry(opts: InFlightOptions = {}): InFlightRegistry {
  const now = opts.now ?? (() => performance.now());
  const lists = new Map<number, InFlightList>();
  // past MAX_LISTS distinct timeouts (downloads add their own time), entries go to one list scanned whole
  const loose = new InFlightList(Number.NaN);
  let size = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const tickMs = opts.tickMs ?? 50;

  const unlink = (e: InFlightEntry) => {
    const l = e.list;
    if (!l) return;
    if (e.prev) e.prev.next = e.next;
    else l.head = e.next;
    if (e.next) e.next.prev = e.prev;
    else l.tail = e.prev;
    e.prev = undefined;
    e.next = undefined;
    e.list = undefined;
    size--;
  };

  const expireDue = (t: number): number => {
    let n = 0;
    for (const l of lists.values()) {
      while (l.head && l.head.deadlineAt <= t) {
        const e = l.head;
        unlink(e);
        n++;
        e.expire();
      }
    }
    let e = loose.head;
    while (e) {
      const next = e.next;
      if (e.deadlineAt <= t) {
        unlink(e);
        n++;
        e.expire();
      }
      e = next;
    }
    return n;
  };

  const registry: InFlightRegistry = {
    add(entry, timeoutMs) {
      if (closed) return;
      const ms = timeoutMs > 0 ? timeoutMs : Number.POSITIVE_INFINITY;
      let l = lists.get(ms);
      if (!l) {
        if (lists.size < MAX_LISTS) {
          l = new InFlightList(ms);
          lists.set(ms, l);
        } else l = loose;
      }
      entry.deadlineAt = now() + ms;
      entry.list = l;
      entry.next = undefined;
      entry.prev = l.tail;
      if (l.tail) l.tail.next = entry;
      else l.head = entry;
      l.tail = entry;
      size++;
      if (timer === undefined && tickMs > 0) {
        timer = setInterval(() => expireDue(now()), tickMs);
        timer.unref();
      }
    },
    remove: unlink,
    expireDue,
    get size() {
      return size;
    },
    cutAll(sink, at = now()) {
      closed = true;
      if (timer) clearInterval(timer);
      timer = undefined;
      let n = 0;
      for (const l of [...lists.values(), loose]) {
        while (l.head) {
          const e = l.head;
          unlink(e);
          n++;
          const us = Math.round((at - e.intendedAt) * 1000);
          sink(e.call, us > 0 ? us : 1);
        }
      }
      return n;
    },
  };
  return registry;
}
