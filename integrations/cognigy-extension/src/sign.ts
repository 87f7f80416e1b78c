/**
 * Standard Webhooks signing (https://www.standardwebhooks.com/), the scheme the service verifies: HMAC-SHA256
 * with the secret's key over `{webhook-id}.{webhook-timestamp}.{raw body}`, base64, sent as `v1,<signature>`.
 * Node's crypto only: the extension carries no signing library.
 */
import { createHash, createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/**
 * The key bytes of a secret (`whsec_` + base64, or bare base64, as the service accepts), or undefined when the
 * text is not one. The service also asks for at least 16 bytes; so does this.
 */
export function webhookKey(secret: string): Buffer | undefined {
  const b64 = secret.trim().startsWith(PREFIX) ? secret.trim().slice(PREFIX.length) : secret.trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64) || b64.length % 4 !== 0) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 16 ? key : undefined;
}

/** The `webhook-signature` value for one message. */
export function signWebhook(key: Buffer, id: string, timestampSec: number, payload: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSec}.${payload}`).digest('base64')}`;
}

/**
 * The `webhook-id` of an event: fixed per event id, so a resent event is recognisably the same message, and
 * always header-safe and short (an event id may hold any characters, up to 200).
 */
export function webhookIdOf(eventId: string): string {
  return `msg_${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
}

/** The three Standard Webhooks headers of a message sent now. */
export function signedHeaders(key: Buffer, eventId: string, nowMs: number, payload: string): Record<string, string> {
  const id = webhookIdOf(eventId);
  const timestamp = Math.floor(nowMs / 1000);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(key, id, timestamp, payload) };
}
