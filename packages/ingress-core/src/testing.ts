/**
 * Fixtures for tests and benchmarks of the ingress (the `@fallback/ingress-core/testing` entry; never imported by
 * running code): Standard Webhooks vectors pinned once, and a realistic Cognigy failure event.
 */

/** The example of the Standard Webhooks / Svix documentation: an independent check of the HMAC we rely on. */
export const SPEC_VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  payload: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
} as const;

/** Two secrets of one sender (before and after a rotation). */
export const VECTOR_SECRETS = {
  current: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  rotated: 'whsec_cm90YXRlZC1zZWNyZXQtMDEyMzQ1Njc4OWFiY2RlZg==',
} as const;

/** A failure event signed with each secret, computed once with standardwebhooks 1.1.1 and pinned. */
export const SIGNED_VECTOR = {
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1700000000,
  payload: '{"eventId":"evt-vector-1","conversationId":"2b80f5c9-cb7b-430b-8607-1862b7380c1f","failureType":"FLOW_ERROR"}',
  byCurrent: 'v1,u5gQ0ljJwTewIX5OxgpzGV0o7NUwbx5kI6hIfHX9lg8=',
  byRotated: 'v1,wbGDp9+Z5kXMeLIyxfAu4fmLpPx2ia6N3mk+c7mivP0=',
} as const;

/** A rich Cognigy failure event that passes the schema (~420 bytes as JSON). */
export const SAMPLE_EVENT = {
  eventId: 'sample-1',
  occurredAt: '2026-11-24T12:00:00Z',
  source: 'cognigy',
  failureType: 'FLOW_ERROR',
  conversationId: '2b80f5c9-cb7b-430b-8607-1862b7380c1f',
  participantId: 'abcdef01-0000-4000-8000-000000000000',
  language: 'de-DE',
  ani: '+14155550123',
  dnis: '+4930123456',
  bot: { flowName: 'Billing', endpoint: 'voice-de', nodeId: 'n1' },
  error: { code: 'HTTP_TIMEOUT', message: 'dependency timed out', httpStatus: 504 },
  cognigy: { sessionId: 'session-0123456789', userId: 'user-0123456789', inputId: 'input-1' },
} as const;

/**
 * A routes file for benchmarks: five rules a plain FLOW_ERROR event matches none of (every rule is evaluated, the
 * worst case), then the default route to `queueId`.
 */
export function benchRoutesYaml(queueId: string, referTo?: string): string {
  return `
version: 1
timeZone: Europe/Berlin
routes:
  - { name: llm, match: { failureType: [LLM_ERROR, BOT_UNREACHABLE] }, target: { queueName: "LLM outage" } }
  - { name: fr, match: { language: fr }, target: { queueName: "FR" } }
  - { name: hotline, match: { dnis: "+49800*" }, target: { queueName: "Hotline" } }
  - { name: flows, match: { flowName: [Sales, Support] }, target: { queueName: "Sales" } }
  - { name: night, match: { failureType: STT_ERROR, time: [{ days: [mon-fri], from: "20:00", to: "07:00" }] }, target: { address: "+4930123456" } }
default:
  target: { queueId: ${queueId} }${referTo ? `\n  referTo: "${referTo}"` : ''}
`;
}
