/**
 * Genesys Cloud domains (docs/genesys-contract.md §2). API base is `https://api.{domain}`, the token endpoint
 * `https://login.{domain}/oauth/token`: the login host is regional too, and a wrong region answers 401/404.
 */
export const GENESYS_REGIONS = {
  'mypurecloud.com': 'us-east-1',
  'usw2.pure.cloud': 'us-west-2',
  'use2.us-gov-pure.cloud': 'us-east-2 (FedRAMP)',
  'cac1.pure.cloud': 'ca-central-1',
  'sae1.pure.cloud': 'sa-east-1',
  'mxc1.pure.cloud': 'mx-central-1',
  'mypurecloud.ie': 'eu-west-1',
  'euw2.pure.cloud': 'eu-west-2',
  'mypurecloud.de': 'eu-central-1',
  'euc2.pure.cloud': 'eu-central-2',
  'edee1.eusc-pure.cloud': 'eusc-de-east-1 (EU sovereign)',
  'mec1.pure.cloud': 'me-central-1',
  'aps1.pure.cloud': 'ap-south-1',
  'mypurecloud.jp': 'ap-northeast-1',
  'apne2.pure.cloud': 'ap-northeast-2',
  'apne3.pure.cloud': 'ap-northeast-3',
  'mypurecloud.com.au': 'ap-southeast-2',
  'apse1.pure.cloud': 'ap-southeast-1',
} as const;

/** One of the Genesys Cloud domains. */
export type GenesysRegion = keyof typeof GENESYS_REGIONS;

/** The base URLs the client talks to. */
export interface GenesysHosts {
  apiBaseUrl: string;
  loginBaseUrl: string;
}

/** True for a known Genesys Cloud domain. */
export function isGenesysRegion(value: string): value is GenesysRegion {
  return Object.hasOwn(GENESYS_REGIONS, value);
}

/**
 * Hosts for a region, with explicit URL overrides (the simulator, a proxy). An unknown region throws with the
 * list of valid domains, so a typo is caught at startup, not at the first failed call.
 */
export function resolveHosts(opts: { region: string; apiUrl?: string; loginUrl?: string }): GenesysHosts {
  const region = opts.region.trim().toLowerCase();
  if (!isGenesysRegion(region) && !(opts.apiUrl && opts.loginUrl)) {
    throw new Error(
      `Unknown Genesys Cloud region "${opts.region}". Use one of: ${Object.keys(GENESYS_REGIONS).join(', ')}`,
    );
  }
  return {
    apiBaseUrl: stripSlash(opts.apiUrl ?? `https://api.${region}`),
    loginBaseUrl: stripSlash(opts.loginUrl ?? `https://login.${region}`),
  };
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
