import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** Where Swagger UI lives when INGRESS_DOCS_UI is on. */
export const DOCS_UI_PREFIX = '/docs';

/**
 * Swagger UI over the document of GET /v1/openapi.json (the same one: @fastify/swagger's), for people trying the API.
 * Off by default (INGRESS_DOCS_UI): a sender never needs it. Its CSP is the plugin's own, minus the two parts that
 * do not fit here: `upgrade-insecure-requests` (the ingress usually speaks plain HTTP behind its proxy, so the
 * browser would fetch the assets from an https:// that does not answer) and validator.swagger.io (the UI's
 * validator badge would send the document to a third party; it is turned off).
 */
export async function registerDocsUi(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: DOCS_UI_PREFIX,
    uiConfig: { validatorUrl: null, deepLinking: true },
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;/, '').replace(/\s*validator\.swagger\.io/, ''),
  });
}
