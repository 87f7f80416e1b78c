import { timingSafeEqual } from 'node:crypto';
import { bearerToken, sha256, type EventProblem } from '@fallback/core';
import { WebhookKeys, hasSignatureHeaders, readSignedMessage, type SignatureHeaders } from './signature.js';

/** A flood limit: at most `max` requests per `windowMs`, counted in Redis across ingress processes. */
export interface RateLimitSpec {
  max: number;
  windowMs: number;
}

/** A sender the ingress accepts, with how it may authenticate. Secrets live only here and are never logged. */
export interface SourceSpec {
  name: string;
  /** Bearer keys (several for rotation). Empty: this source cannot use API keys. */
  apiKeys: readonly string[];
  /** Standard Webhooks secrets (several for rotation). Empty: this source cannot sign. */
  webhookSecrets: readonly string[];
  /** Undefined: no flood limit. */
  rateLimit?: RateLimitSpec;
  /**
   * True for the source configured by INGRESS_API_KEYS / INGRESS_WEBHOOK_SECRETS: a single-tenant setup where the
   * event's own `source` field is trusted. Declared sources are pinned to their name.
   */
  openSourceName: boolean;
}

/** Who sent a request, once authenticated. */
export interface Principal {
  source: SourceSpec;
  method: 'api-key' | 'signature';
}

/** Why a request was not authenticated (always a 401). */
export interface AuthFailure {
  code: 'unauthorized' | 'invalid_signature' | 'timestamp_out_of_tolerance';
  message: string;
}

/** Authenticates requests against every configured source. */
export interface Authenticator {
  /** Authenticates an `Authorization: Bearer` header; decidable before the body is read. */
  bearer(authorization: string | undefined): Principal | AuthFailure;
  /** Authenticates a Standard Webhooks request over its raw body. */
  signed(headers: SignatureHeaders, rawBody: string): Principal | AuthFailure;
}

/** True when an authentication result is a failure. */
export function isAuthFailure(result: Principal | AuthFailure): result is AuthFailure {
  return 'code' in result;
}

export { hasSignatureHeaders };

const digest = sha256;

/**
 * Builds the authenticator of a set of sources.
 *
 * API keys: the presented key is hashed and compared with every configured key of every source in constant
 * time (no early exit), so timing tells neither whether a key matched nor which source it belongs to; the key
 * that matches names the source. Signatures: one HMAC per configured secret of every signing source (the
 * standardwebhooks library), after the timestamp check, so a stale or malformed request costs no HMAC at all.
 */
export function createAuthenticator(sources: readonly SourceSpec[], now: () => number = Date.now): Authenticator {
  const keys = sources.flatMap((source) => source.apiKeys.map((k) => ({ source, digest: digest(k) })));
  const signers = sources.filter((s) => s.webhookSecrets.length > 0).map((source) => ({ source, keys: new WebhookKeys(source.webhookSecrets) }));
  const unauthorized: AuthFailure = { code: 'unauthorized', message: 'missing or invalid API key (Authorization: Bearer <key>) or Standard Webhooks signature' };
  return {
    bearer(authorization) {
      const token = bearerToken(authorization);
      if (token === undefined) return unauthorized;
      const candidate = digest(token);
      let match: SourceSpec | undefined;
      for (const k of keys) if (timingSafeEqual(candidate, k.digest)) match ??= k.source;
      return match ? { source: match, method: 'api-key' } : unauthorized;
    },
    signed(headers, rawBody) {
      if (signers.length === 0) return { code: 'unauthorized', message: 'signed requests are not accepted here; use Authorization: Bearer <key>' };
      const message = readSignedMessage(headers, now());
      if ('code' in message) return message;
      for (const s of signers) if (s.keys.verifies(message, rawBody)) return { source: s.source, method: 'signature' };
      return { code: 'invalid_signature', message: 'no webhook-signature matches the body with a secret of a known source' };
    },
  };
}

/**
 * The source an event is routed and recorded under. A declared source's credentials decide it (the body's
 * `source` may repeat the name, never claim another: routing and rate limits must not be steerable by a
 * field the sender writes). The open source of the quick start trusts the body's `source`.
 */
export function effectiveSource(principal: Principal, claimed: string | undefined): { source: string | undefined } | { problem: EventProblem } {
  if (principal.source.openSourceName) return { source: claimed };
  if (claimed === undefined || claimed === principal.source.name) return { source: principal.source.name };
  return { problem: { field: '/source', message: `these credentials belong to source "${principal.source.name}", not "${claimed}"` } };
}

/**
 * The tenant a principal acts as: a declared source, whose fallbacks (dedupe keys, job ids, reads, lookups) are its
 * own. Undefined for the environment's source (single-tenant mode): one sender, whose body `source` is a label.
 */
export function tenantOf(principal: Principal): string | undefined {
  return principal.source.openSourceName ? undefined : principal.source.name;
}
