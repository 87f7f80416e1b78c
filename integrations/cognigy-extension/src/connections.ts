import type { IConnectionSchema } from '@cognigy/extension-tools';

/**
 * Two connection types, one per way the service authenticates a sender. Cognigy's connection schema has no
 * optional fields, so one type holding both an API key and a secret would make every user fill in a dummy.
 */

/** Service URL and an API key (one of the service's INGRESS_API_KEYS, or a source's key in its routes file). */
export const apiKeyConnection: IConnectionSchema = {
  type: 'genesysFallbackApiKey',
  label: 'Genesys fallback service (API key)',
  fields: [{ fieldName: 'serviceUrl' }, { fieldName: 'apiKey' }],
};

/** Service URL and a Standard Webhooks secret (`whsec_…`, one of INGRESS_WEBHOOK_SECRETS): every request is signed. */
export const webhookConnection: IConnectionSchema = {
  type: 'genesysFallbackWebhook',
  label: 'Genesys fallback service (signed, Standard Webhooks)',
  fields: [{ fieldName: 'serviceUrl' }, { fieldName: 'webhookSecret' }],
};
