/**
 * Device request authentication (spec §2) with a bounded cache of verified tokens keyed by the
 * `Authorization` value, so the HMAC is computed once per distinct token, not once per request.
 * A cache hit still checks the expiry and that the token names this product and device.
 */
import { Errno } from '../ota/codes.ts';
import { parseAuthorization, verifyToken } from '../ota/token.ts';
import type { DeviceState, OtaState } from './store/state.ts';

/** Outcome of authenticating one request: errno 0 and the device, or the errno to answer. */
export interface AuthOutcome {
  errno: number;
  device: DeviceState | undefined;
  /** True when the token was fine but the product or device does not exist (download `Ota-Errno` 1). */
  missing: boolean;
}

interface VerifiedToken {
  proId: string;
  devName: string | undefined;
  et: number;
}

/**
 * Longest `Authorization` value accepted, in bytes. The longest real token (sha256, a 64-character
 * product id, a 64-character device name all percent-encoded, a 12-digit `et`) is under 500 bytes;
 * anything longer is refused with errno 1 before it is parsed or cached.
 */
export const MAX_AUTHORIZATION_BYTES = 1024;

// Bytes a cache entry costs besides its key (the Map slot and the VerifiedToken object), an estimate.
const ENTRY_OVERHEAD_BYTES = 96;

/** Authenticates device requests against the state's keys. */
export interface Authenticator {
  authenticate(header: string | undefined, proId: string, devName: string, nowSec: number): AuthOutcome;
  /** Tokens in the cache. */
  readonly cacheSize: number;
  /** Estimated bytes the cache holds (keys + per-entry overhead), at most `maxBytes`. */
  readonly cacheBytes: number;
}

/** Bounds of the token cache: entries and bytes; the oldest entries leave first. */
export interface TokenCacheLimits {
  maxEntries: number;
  maxBytes: number;
}

/** Creates an authenticator whose cache stays within `limits` (oldest tokens leave first). */
export function createAuthenticator(state: OtaState, limits: TokenCacheLimits): Authenticator {
  const cache = new Map<string, VerifiedToken>();
  let bytes = 0;
  const cost = (header: string): number => header.length + ENTRY_OVERHEAD_BYTES;
  const fail = (errno: number): AuthOutcome => ({ errno, device: undefined, missing: false });
  const forget = (header: string): void => {
    if (cache.delete(header)) bytes -= cost(header);
  };
  const remember = (header: string, token: VerifiedToken): void => {
    cache.set(header, token);
    bytes += cost(header);
    for (const oldest of cache.keys()) {
      if (cache.size <= limits.maxEntries && bytes <= limits.maxBytes) break;
      forget(oldest);
    }
  };

  const found = (proId: string, devName: string): AuthOutcome => {
    const device = state.device(proId, devName);
    return device
      ? { errno: Errno.OK, device, missing: false }
      : { errno: Errno.AUTH_FAILED, device: undefined, missing: true };
  };

  return {
    get cacheSize() {
      return cache.size;
    },
    get cacheBytes() {
      return bytes;
    },
    authenticate(header, proId, devName, nowSec) {
      // Header values are latin1 on the wire: one character is one byte.
      if (!header || header.length > MAX_AUTHORIZATION_BYTES) return fail(Errno.AUTH_FAILED);
      const hit = cache.get(header);
      if (hit) {
        if (hit.proId !== proId || (hit.devName !== undefined && hit.devName !== devName)) {
          return fail(Errno.TOKEN_DEVICE_MISMATCH);
        }
        if (hit.et <= nowSec) {
          forget(header);
          return fail(Errno.TOKEN_EXPIRED);
        }
        return found(proId, devName);
      }
      const token = parseAuthorization(header);
      if (!token) return fail(Errno.AUTH_FAILED);
      const product = state.products.get(proId);
      const keys = { productKey: product?.accessKey ?? '', deviceKey: state.device(proId, devName)?.key };
      const errno = verifyToken(token, keys, { proId, devName, now: nowSec });
      if (errno !== Errno.OK) return fail(errno);
      remember(header, { proId: token.proId, devName: token.devName, et: token.et });
      return found(proId, devName);
    },
  };
}
