import { asciiLowerCase } from '../handshake/header-grammar.js';

/** Tells whether an `Origin` header value may open a connection. */
export type OriginCheck = (origin: string | undefined) => boolean;

export interface OriginAllowListOptions {
  /**
   * Allow requests that carry no `Origin` header. Browsers always send one on a WebSocket
   * handshake (RFC 6455 §4.1 item 8, §10.2), so only non-browser clients omit it, and those are
   * not what cross-site WebSocket hijacking abuses. Default true.
   */
  readonly allowMissing?: boolean;
}

/** RFC 6454 §6.2: the ASCII serialization of an origin, or null for one that is not a URL. */
function serialize(value: string): string | null {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * Builds an `Origin` check from a list of allowed origins, against cross-site WebSocket hijacking
 * (RFC 6455 §10.2: the server is told which page opened the connection and may refuse it).
 * Strings are origins such as `https://app.example` or `http://localhost:8080` (a path is
 * ignored; default ports and case are normalized); a RegExp is tested against the header as
 * sent. The opaque origin `null` (sandboxed frames, `file:` pages) matches only the string
 * `'null'`. Usable as `allowOrigins`, or inside `verifyClient` and `authenticate`.
 */
export function originAllowList(
  origins: Iterable<string | RegExp>,
  options: OriginAllowListOptions = {},
): OriginCheck {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of origins) {
    if (entry instanceof RegExp) {
      patterns.push(entry);
    } else if (entry === 'null') {
      exact.add('null');
    } else {
      const origin = serialize(entry);
      if (origin === null) throw new TypeError(`Not an origin: ${JSON.stringify(entry)}`);
      exact.add(origin);
    }
  }
  const allowMissing = options.allowMissing ?? true;
  return (origin) => {
    if (origin === undefined) return allowMissing;
    // Browsers send the serialization already; the URL parse handles the rest (`:443`, case).
    if (exact.has(origin) || exact.has(asciiLowerCase(origin))) return true;
    const normalized = serialize(origin);
    if (normalized !== null && exact.has(normalized)) return true;
    for (const pattern of patterns) {
      pattern.lastIndex = 0;
      if (pattern.test(origin)) return true;
    }
    return false;
  };
}
