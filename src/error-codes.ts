/**
 * The one catalogue of stable error codes. Match on `code`, never on message text or instanceof.
 * Only plain `{ code, message }` objects cross a thread. Imports nothing of ours.
 */

/** Every stable error code, with a one-line meaning (shown in reports and the README). */
export const ERROR_CODES = {
  // scenario and CLI input
  ERR_SCENARIO_INVALID: 'the scenario file failed validation',
  ERR_SCENARIO_NOT_FOUND: 'the scenario file could not be read',
  ERR_USAGE: 'the command line is wrong',
  ERR_FD_LIMIT: 'the scenario would hold more sockets open than the open-files limit allows',
  ERR_TARGET_UNREACHABLE: 'the target server did not answer before the run started',
  ERR_EMBEDDED_SERVER: 'the embedded reference server failed to start or to accept the rollout script',
  ERR_TARGET_REFUSED: 'no device call succeeded: the target refused the whole fleet',
  ERR_INTERNAL: 'a bug in ota-fleet',
  // transport (one request)
  ERR_TRANSPORT_CONNECT_REFUSED: 'the connection was refused',
  ERR_TRANSPORT_CONNECT_TIMEOUT: 'the connection was not established in time',
  ERR_TRANSPORT_RESET: 'the connection was reset or closed mid-request',
  ERR_TRANSPORT_TIMEOUT:
    'no bytes arrived for the idle timeout (requestTimeout) while waiting for headers or body',
  ERR_TRANSPORT_DEADLINE: 'the whole exchange (headers and body) did not complete within requestTimeout',
  ERR_TRANSPORT_HEADERS_OVERFLOW: 'the reply headers were larger than the client accepts',
  ERR_TRANSPORT_BAD_HTTP: 'the reply is not valid HTTP (status line, headers or chunked framing)',
  ERR_REPLY_TOO_LARGE: 'a JSON reply body over the 64 KiB cap (the protocol replies are a few hundred bytes)',
  ERR_DOWNLOAD_TRUNCATED: 'the download body ended before Content-Length bytes arrived',
  ERR_CUT_BY_STOP:
    'the run stopped while the request was in flight (its age so far is a lower bound of its latency)',
  ERR_TRANSPORT_ADDRESS: 'no local address or port available (EADDRNOTAVAIL / EMFILE)',
  ERR_TRANSPORT_OTHER: 'another socket-level error',
  ERR_HTTP_STATUS: 'an HTTP status other than the protocol allows (e.g. 5xx, 404)',
  // protocol (OneNET Studio OTA)
  ERR_OTA_BAD_REPLY: 'a reply body that is not a protocol envelope',
  ERR_OTA_ERRNO: 'a business error number in the reply (tagged with the errno)',
  ERR_OTA_DOWNLOAD_ERRNO: 'a download reply with Ota-Errno other than 0 (tagged with the number)',
  ERR_OTA_SIZE_MISMATCH: 'the downloaded package size differs from the task size',
  ERR_OTA_MD5_MISMATCH: 'the downloaded package md5 differs from the task md5',
  ERR_OTA_RANGE_MISMATCH: 'a download reply covers other bytes than were asked for',
  // MQTT push (spec §5): a device's connection to the broker
  ERR_MQTT_CONNECT_REFUSED: 'the broker refused the MQTT login (CONNACK return code, e.g. 4 bad credentials)',
  ERR_MQTT_CONNECT_FAILED: 'the MQTT connection could not be opened or closed before the CONNACK',
  ERR_MQTT_CONNECT_TIMEOUT: 'no CONNACK within the connect timeout',
  ERR_MQTT_SUBSCRIBE_REFUSED: 'the broker refused the subscription to the inform topic',
  ERR_MQTT_DROPPED: 'an established MQTT connection was lost (closed, reset or no PINGRESP)',
  ERR_MQTT_PROTOCOL: 'bytes from the broker that are not valid MQTT',
  ERR_MQTT_BAD_INFORM: 'an ota/inform message that does not parse (no string id)',
} as const;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The only shape of error that crosses a thread or a process. */
export interface CodedError {
  code: ErrorCode;
  message: string;
}

/** An Error carrying a stable code, thrown only at boundaries (CLI, scenario loading, engine setup). */
export class OtaFleetError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'OtaFleetError';
  }
}

/** Reads the code of anything thrown; unknown errors are ERR_INTERNAL. */
export function errorCodeOf(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code in ERROR_CODES ? (code as ErrorCode) : 'ERR_INTERNAL';
}
