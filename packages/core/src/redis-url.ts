/**
 * REDIS_URL: reading it, checking it before ioredis does, and showing it without its password. Pure; shared by
 * the config (startup checks, error messages) and the queue (connections, log lines).
 */

/** Seed nodes and credentials of a `redis+cluster://[user:pass@]host:port,host:port` URL (`rediss+cluster://` for TLS). */
export interface ClusterUrl {
  nodes: { host: string; port: number }[];
  username?: string;
  password?: string;
  tls: boolean;
}

/**
 * `url` with every password in it replaced by `***`: the one after `user:` in the authority and a `password=`
 * query parameter (ioredis reads both). Written for malformed input too (an unencoded `/`, `#` or `@` in the
 * password): everything up to the last `@` is taken as credentials, so a half-parsed URL never leaks the rest of
 * a password. Over-redacting an odd URL is harmless; under-redacting is not.
 */
export function redactUrlPassword(url: string): string {
  let out = url.replace(/([?&]password=)[^&#]*/gi, '$1***');
  const auth = /^([a-z][a-z0-9+.-]*:\/\/)(.*)@/is.exec(out);
  if (auth) {
    const [whole, scheme, credentials] = auth as unknown as [string, string, string];
    const colon = credentials.indexOf(':');
    // No colon: `user@host`, a user name without a password (ioredis reads it so); nothing to hide.
    if (colon !== -1) out = `${scheme}${credentials.slice(0, colon)}:***@${out.slice(whole.length)}`;
  }
  return out.replace(/\/$/, '');
}

/** The password forms a text could carry for `url` (as written, and percent-decoded), longest first. */
function passwordsOf(url: string): string[] {
  const found = new Set<string>();
  const auth = /^[a-z][a-z0-9+.-]*:\/\/(.*)@/is.exec(url)?.[1];
  const colon = auth?.indexOf(':') ?? -1;
  if (auth && colon !== -1) found.add(auth.slice(colon + 1));
  for (const m of url.matchAll(/[?&]password=([^&#]*)/gi)) found.add(m[1]!);
  for (const p of [...found]) {
    try {
      found.add(decodeURIComponent(p));
    } catch {
      // a malformed %-escape: the raw form is already in the set
    }
  }
  return [...found].filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
}

/**
 * Removes `url`'s password from any text (an ioredis or DNS error message built from a malformed URL, say).
 * A last line of defence behind redactUrlPassword: it catches the password wherever a library put it.
 */
export function scrubUrlPassword(text: string, url: string): string {
  let out = text;
  for (const p of passwordsOf(url)) out = out.split(p).join('***');
  return out;
}

/**
 * Parses a Redis Cluster URL, or returns undefined for a plain `redis://` URL. WHATWG URL cannot hold several
 * hosts, hence a parser of our own; it throws on a cluster URL without a usable node. Its errors never quote
 * credentials.
 */
export function parseClusterUrl(url: string): ClusterUrl | undefined {
  const match = /^(rediss?)\+cluster:\/\/(?:(.*)@)?([^@/?#]*)/s.exec(url);
  if (!match) return undefined;
  const [, scheme, auth, hosts] = match;
  const nodes = (hosts ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean)
    .map((h) => {
      const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(h);
      const port = Number(m?.[2] ?? 6379);
      if (!m || port < 1 || port > 65_535) throw new Error(`REDIS_URL: cannot read cluster node "${h}" (host:port)`);
      return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0) throw new Error('REDIS_URL: a redis+cluster:// URL needs at least one host:port');
  const [user, ...rest] = auth ? auth.split(':') : [];
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new Error('REDIS_URL: the user name or password has a malformed %-escape (write % as %25)');
    }
  };
  const password = rest.length ? decode(rest.join(':')) : undefined;
  return {
    nodes,
    ...(user ? { username: decode(user) } : {}),
    ...(password ? { password } : {}),
    tls: scheme === 'rediss',
  };
}

const ESCAPES = 'percent-encode special characters of the password (/ ? # @ % as %2F %3F %23 %40 %25)';

/**
 * What is wrong with a REDIS_URL, in words that never quote its password, or undefined when ioredis will take
 * it. Checked at startup: ioredis would otherwise throw "Invalid URL" (carrying the whole URL in `err.input`),
 * throw on a bad %-escape, or connect and then crash the process on `SELECT NaN` for a non-numeric path.
 */
export function redisUrlProblem(url: string): string | undefined {
  if (!/^rediss?(\+cluster)?:\/\//i.test(url)) return 'must start with redis://, rediss://, or redis+cluster:// (a Redis Cluster)';
  if (/^rediss?\+cluster:/i.test(url)) {
    try {
      parseClusterUrl(url);
      return undefined;
    } catch (err) {
      return (err as Error).message.replace(/^REDIS_URL: /, '');
    }
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid URL: redis://[user:password@]host[:port][/db]; ${ESCAPES}`;
  }
  try {
    decodeURIComponent(parsed.username);
    decodeURIComponent(parsed.password);
  } catch {
    return `the user name or password has a malformed %-escape; ${ESCAPES}`;
  }
  if (!parsed.hostname) return 'has no host: redis://[user:password@]host[:port][/db]';
  const path = parsed.pathname;
  // Not quoted: in a mistyped URL the path may hold a piece of the password.
  if (path !== '' && path !== '/' && !/^\/\d{1,5}$/.test(path)) return `the path must be a database number (/0, /1 …); ${ESCAPES}`;
  return undefined;
}
