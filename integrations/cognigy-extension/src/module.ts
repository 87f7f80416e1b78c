import { createExtension } from '@cognigy/extension-tools';
import { apiKeyConnection, webhookConnection } from './connections.js';
import { genesysFallbackNode, onFallbackAccepted, onFallbackError } from './nodes/genesys-fallback.js';

/** The extension Cognigy loads (`main` of the uploaded package.json). */
export default createExtension({
  nodes: [genesysFallbackNode, onFallbackAccepted, onFallbackError],
  connections: [apiKeyConnection, webhookConnection],
  options: { label: 'Genesys fallback' },
});
