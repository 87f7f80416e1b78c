/**
 * Where a failed bot call is sent. There is no Genesys API to transfer straight into an Architect flow or
 * menu (docs/genesys-contract.md §4): an IVR menu is reached through a queue whose in-queue flow runs it, or through
 * a number/DID that Call Routing maps to an inbound flow.
 */
export type Target =
  | { kind: 'queue'; queueId: string; queueName?: string }
  | { kind: 'queue'; queueId?: undefined; queueName: string }
  | { kind: 'number'; address: string }
  | { kind: 'agent'; userId: string };

/**
 * A number (E.164-ish: digits with an optional `+`, `tel:` and visual separators allowed) or a SIP URI: what a
 * number target's `address` and a `referTo` may be. Anything else would fail at Genesys or at the bot's REFER.
 */
export const ADDRESS_PATTERN = '^(?:(?:tel:)?\\+?[0-9][0-9 ().-]{2,30}|sips?:[^\\s]{1,250})$';

/** The kinds of Target. */
export type TargetKind = Target['kind'];

/** A short stable label for logs and metrics, e.g. `queue:3b0f…` or `number:+18005550100`. */
export function describeTarget(target: Target): string {
  switch (target.kind) {
    case 'queue':
      return target.queueId ? `queue:${target.queueId}` : `queue-name:${target.queueName}`;
    case 'number':
      return `number:${target.address}`;
    case 'agent':
      return `agent:${target.userId}`;
  }
}
