import { timingSafeEqual } from 'node:crypto';
import { sha256 as digest } from './hash.js';

/**
 * Checks a presented API key against the configured ones in constant time: both sides are hashed to equal-length
 * digests (timingSafeEqual needs equal lengths, and comparing raw strings would leak the key length), and every
 * configured key is compared, so timing does not tell which key (if any) matched. Several keys allow rotation.
 */
export function apiKeyVerifier(keys: readonly string[]): (presented: string | undefined) => boolean {
  const digests = keys.map(digest);
  return (presented) => {
    if (presented === undefined || presented === '') return false;
    const candidate = digest(presented);
    let ok = false;
    for (const d of digests) ok = timingSafeEqual(candidate, d) || ok;
    return ok;
  };
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return match?.[1];
}
