import { describe, expect, it } from 'vitest';
import { classifyTransportError, TransportAbort } from '../../../src/transport/classify.ts';

const err = (code: string, nested = false) =>
  nested ? { message: 'x', cause: { code } } : { code, message: 'x' };

describe('classifyTransportError', () => {
  it('maps each hostile-target failure of undici to its own stable code', () => {
    const cases: [string, string][] = [
      ['UND_ERR_HEADERS_OVERFLOW', 'ERR_TRANSPORT_HEADERS_OVERFLOW'],
      ['HPE_INVALID_CONSTANT', 'ERR_TRANSPORT_BAD_HTTP'],
      ['HPE_INVALID_CHUNK_SIZE', 'ERR_TRANSPORT_BAD_HTTP'],
      ['HPE_UNEXPECTED_CONTENT_LENGTH', 'ERR_TRANSPORT_BAD_HTTP'],
      ['UND_ERR_INFO', 'ERR_TRANSPORT_BAD_HTTP'],
      ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_TRANSPORT_BAD_HTTP'],
      ['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'ERR_REPLY_TOO_LARGE'],
      ['UND_ERR_SOCKET', 'ERR_TRANSPORT_RESET'],
      ['ECONNRESET', 'ERR_TRANSPORT_RESET'],
      ['UND_ERR_HEADERS_TIMEOUT', 'ERR_TRANSPORT_TIMEOUT'],
      ['UND_ERR_BODY_TIMEOUT', 'ERR_TRANSPORT_TIMEOUT'],
      ['UND_ERR_DESTROYED', 'ERR_CUT_BY_STOP'],
      ['ECONNREFUSED', 'ERR_TRANSPORT_CONNECT_REFUSED'],
    ];
    for (const [code, want] of cases) {
      expect(classifyTransportError(err(code)), code).toBe(want);
      expect(classifyTransportError(err(code, true)), `cause ${code}`).toBe(want);
    }
  });

  it('maps an HTTP parser error without a code (a status line that is not HTTP/) to ERR_TRANSPORT_BAD_HTTP', () => {
    const e = Object.assign(new Error('Response does not match the HTTP/1.1 protocol'), {
      name: 'HTTPParserError',
    });
    expect(classifyTransportError(e)).toBe('ERR_TRANSPORT_BAD_HTTP');
  });

  it('keeps the transport own aborts (deadline, oversize reply) as they are', () => {
    expect(classifyTransportError(new TransportAbort('ERR_TRANSPORT_DEADLINE', 'late'))).toBe(
      'ERR_TRANSPORT_DEADLINE',
    );
    expect(classifyTransportError(new TransportAbort('ERR_REPLY_TOO_LARGE', 'big'))).toBe(
      'ERR_REPLY_TOO_LARGE',
    );
  });

  it('leaves only truly unknown errors generic', () => {
    expect(classifyTransportError(new Error('?'))).toBe('ERR_TRANSPORT_OTHER');
    expect(classifyTransportError(null)).toBe('ERR_TRANSPORT_OTHER');
  });
});
