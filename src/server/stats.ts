/** Request counters of the reference server (never logged per request; read via GET /api/stats). */
import { OTA_CALLS, type OtaCall } from '../ota/routes.ts';
import type { MqttStats } from './api/types.ts';

/** Counts of one device call: requests, and replies by errno (download: by `Ota-Errno`). */
export interface CallStats {
  requests: number;
  replies: Record<string, number>;
}

/** Every counter the server keeps. */
export interface ServerStats {
  startedAt: number;
  calls: Record<OtaCall, CallStats>;
  /** Requests to unknown routes (404), malformed requests (clientError) and management requests. */
  other: { notFound: number; clientErrors: number; management: number };
  push: { sent: number; failed: number };
  mqtt: MqttStats;
}

/** Fresh counters. */
export function createStats(now: number): ServerStats {
  const calls = {} as Record<OtaCall, CallStats>;
  for (const c of OTA_CALLS) calls[c] = { requests: 0, replies: {} };
  return {
    startedAt: now,
    calls,
    other: { notFound: 0, clientErrors: 0, management: 0 },
    push: { sent: 0, failed: 0 },
    mqtt: {
      connected: 0,
      connectsRefused: 0,
      aclRefused: 0,
      informsSent: 0,
      repliesOk: 0,
      repliesIgnored: 0,
    },
  };
}

/** Counts one reply of a call. */
export function countReply(stats: ServerStats, call: OtaCall, errno: number): void {
  const replies = stats.calls[call].replies;
  replies[errno] = (replies[errno] ?? 0) + 1;
}
