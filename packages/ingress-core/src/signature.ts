import { timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Standard Webhooks: a message older or newer than this (s) is refused, whatever its signature. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** Why a signed request was refused. Both are 401s; the code tells the sender what to fix. */
export interface SignatureFailure {
  code: 'invalid_signature' | 'timestamp_out_of_tolerance';
  message: string;
}

/** Request headers (lower-case names, as Node gives them); a repeated header arrives as an array and is refused. */
export type SignatureHeaders = Record<string, string | string[] | undefined>;

/** A checked message: id and timestamp well-formed and within tolerance, the `v1` signatures it carries. */
export interface SignedMessage {
  id: string;
  timestamp: Date;
  signatures: Buffer[];
}

// Bounds on what a sender can make us hash or compare: one HMAC per configured secret, never per header value.
const MAX_SIGNATURES = 8;
const MAX_ID_LENGTH = 256;

/** True when a request carries any Standard Webhooks header (it then must be a valid signed request). */
export function hasSignatureHeaders(headers: SignatureHeaders): boolean {
  return headers['webhook-signature'] !== undefined || headers['webhook-id'] !== undefined || headers['webhook-timestamp'] !== undefined;
}

/** Checks headers and timestamp (`nowMs` injected: tests pin the clock). Independent of any secret. */
export function readSignedMessage(headers: SignatureHeaders, nowMs: number): SignedMessage | SignatureFailure {
  const id = headers['webhook-id'];
  const ts = headers['webhook-timestamp'];
  const sig = headers['webhook-signature'];
  const missing = (['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const).filter((h) => typeof headers[h] !== 'string' || headers[h] === '');
  if (missing.length > 0 || typeof id !== 'string' || typeof ts !== 'string' || typeof sig !== 'string')
    return { code: 'invalid_signature', message: `signed requests need one each of webhook-id, webhook-timestamp and webhook-signature (missing or repeated: ${missing.join(', ')})` };
  if (id.length > MAX_ID_LENGTH) return { code: 'invalid_signature', message: `webhook-id is longer than ${MAX_ID_LENGTH} characters` };
  if (!/^\d{1,12}$/.test(ts)) return { code: 'invalid_signature', message: 'webhook-timestamp must be Unix time in whole seconds' };
  const skew = Math.floor(nowMs / 1000) - Number(ts);
  if (Math.abs(skew) > SIGNATURE_TOLERANCE_SECONDS)
    return {
      code: 'timestamp_out_of_tolerance',
      message: `webhook-timestamp is ${Math.abs(skew)} s in the ${skew > 0 ? 'past' : 'future'}; at most ${SIGNATURE_TOLERANCE_SECONDS} s either way (check the sender's clock, or this is a replay)`,
    };
  // `v1,<base64>` entries separated by spaces (several while the sender rotates its secret); other versions ignored.
  const signatures: Buffer[] = [];
  for (const entry of sig.split(' ').slice(0, MAX_SIGNATURES)) {
    const comma = entry.indexOf(',');
    if (comma > 0 && entry.slice(0, comma) === 'v1') signatures.push(Buffer.from(entry.slice(comma + 1)));
  }
  if (signatures.length === 0) return { code: 'invalid_signature', message: 'webhook-signature has no v1,<base64> signature' };
  return { id, timestamp: new Date(Number(ts) * 1000), signatures };
}

/**
 * The signing keys of one sender. Several secrets are accepted so a sender can rotate: add the new secret,
 * switch the sender, remove the old one. The HMAC itself is the standardwebhooks library's `sign`.
 */
export class WebhookKeys {
  private readonly hooks: Webhook[];
  constructor(secrets: readonly string[]) {
    this.hooks = secrets.map((s) => new Webhook(s));
  }

  get size(): number {
    return this.hooks.length;
  }

  /** True when one of the message's signatures was made with one of these secrets over `payload`. */
  verifies(message: SignedMessage, payload: string): boolean {
    for (const hook of this.hooks) {
      const expected = Buffer.from(hook.sign(message.id, message.timestamp, payload).slice(3)); // drop "v1,"
      for (const given of message.signatures)
        if (given.length === expected.length && timingSafeEqual(given, expected)) return true;
    }
    return false;
  }
}

/** A secret the library accepts (`whsec_` + base64, or bare base64) with at least 16 bytes of key. */
export function isUsableWebhookSecret(secret: string): boolean {
  const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return false;
  try {
    new Webhook(secret);
  } catch {
    return false;
  }
  return Buffer.from(b64, 'base64').length >= 16;
}
