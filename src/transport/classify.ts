/** Maps socket and undici errors to the stable transport error codes of src/error-codes.ts. */
import type { ErrorCode } from '../error-codes.ts';

/** Classifies anything an undici request threw; never throws. */
export function classifyTransportError(err: unknown): ErrorCode {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
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
    case 'EADDRNOTAVAIL':
    case 'EADDRINUSE':
    case 'EMFILE':
    case 'ENFILE':
      return 'ERR_TRANSPORT_ADDRESS';
    default:
      return 'ERR_TRANSPORT_OTHER';
  }
}
