/**
 * Maps socket and undici errors to the stable transport error codes of src/error-codes.ts. Every
 * misbehaviour of a hostile target has its own code (none falls into ERR_TRANSPORT_OTHER): header
 * overflow, HTTP parser errors (`HPE_*`), bad 1xx replies, resets, idle timeouts, deadlines.
 */
import type { ErrorCode } from '../error-codes.ts';

/** An abort the transport raises itself (deadline, oversize reply), carrying its stable code. */
export class TransportAbort extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'TransportAbort';
  }
}

/** The most specific code string of an error or its cause. */
export function underlyingCode(err: unknown): string {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  return typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
}

/** Classifies anything an undici request threw; never throws. */
export function classifyTransportError(err: unknown): ErrorCode {
  if (err instanceof TransportAbort) return err.code;
  const code = underlyingCode(err);
  // undici's llhttp errors: HPE_* codes, and some with no code at all (e.g. a status line that is not HTTP/)
  if (code.startsWith('HPE_') || (err as { name?: unknown } | null)?.name === 'HTTPParserError')
    return 'ERR_TRANSPORT_BAD_HTTP';
  switch (code) {
    case 'ECONNREFUSED':
      return 'ERR_TRANSPORT_CONNECT_REFUSED';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'ETIMEDOUT':
      return 'ERR_TRANSPORT_CONNECT_TIMEOUT';
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
    case 'ECONNABORTED':
      return 'ERR_TRANSPORT_RESET';
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return 'ERR_TRANSPORT_TIMEOUT';
    case 'UND_ERR_HEADERS_OVERFLOW':
      return 'ERR_TRANSPORT_HEADERS_OVERFLOW';
    case 'UND_ERR_INFO':
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_NOT_SUPPORTED':
      return 'ERR_TRANSPORT_BAD_HTTP';
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
      return 'ERR_REPLY_TOO_LARGE';
    case 'UND_ERR_DESTROYED':
      // the worker destroys its dispatchers only at the stop
      return 'ERR_CUT_BY_STOP';
    case 'EADDRNOTAVAIL':
    case 'EADDRINUSE':
    case 'EMFILE':
    case 'ENFILE':
      return 'ERR_TRANSPORT_ADDRESS';
    default:
      return 'ERR_TRANSPORT_OTHER';
  }
}
