import { apiKeyVerifier } from './auth.js';

/** The decoded `user:password` of an `Authorization: Basic <base64>` header (RFC 7617), or undefined. */
export function basicCredentials(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  return decoded.includes(':') ? decoded : undefined;
}

/**
 * Checks an `Authorization: Basic` header against one user and password in constant time. The decoded
 * `user:password` is compared as a whole through apiKeyVerifier (hashed to equal-length digests), so neither a
 * wrong user nor a wrong password answers faster, and the password's length does not leak.
 */
export function basicAuthVerifier(username: string, password: string): (header: string | undefined) => boolean {
  const verify = apiKeyVerifier([`${username}:${password}`]);
  return (header) => verify(basicCredentials(header));
}
