/**
 * The environment of a program that `exec` starts for a connection: the request, in the
 * variables CGI defined (RFC 3875 §4.1) and websocketd uses. docs/cli.md lists them.
 */
import type { IncomingHttpHeaders } from 'node:http';

export interface CgiRequest {
  /** The request target, as sent: path and query. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly secure: boolean;
}

export interface CgiServer {
  /** The address listened on, for SERVER_NAME when the request has no Host. */
  readonly host: string;
  readonly port: number;
  /** SERVER_SOFTWARE, e.g. `wskit/0.1.0`. */
  readonly software: string;
}

/** `HTTP_` + the field name upper-cased with `-` as `_`, or null for a name that cannot be one. */
function variableName(field: string): string | null {
  if (!/^[A-Za-z0-9-]+$/.test(field)) return null;
  return `HTTP_${field.toUpperCase().replaceAll('-', '_')}`;
}

/** The host name of a Host field value, without its port; IPv6 keeps its brackets off. */
function hostName(host: string): string {
  const bracketed = /^\[([^\]]*)\]/.exec(host);
  if (bracketed !== null) return bracketed[1]!;
  const colon = host.indexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function cgiEnvironment(request: CgiRequest, server: CgiServer): Record<string, string> {
  const q = request.url.indexOf('?');
  const path = q === -1 ? request.url : request.url.slice(0, q);
  let pathInfo = path;
  try {
    pathInfo = decodeURIComponent(path);
  } catch {
    // Malformed percent-encoding: the path as sent.
  }
  const host = request.headers.host;
  const env: Record<string, string> = {
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_SOFTWARE: server.software,
    SERVER_PROTOCOL: 'HTTP/1.1',
    SERVER_NAME: host === undefined || host === '' ? server.host : hostName(host),
    SERVER_PORT: String(server.port),
    REQUEST_METHOD: 'GET',
    REQUEST_URI: request.url,
    PATH_INFO: pathInfo,
    QUERY_STRING: q === -1 ? '' : request.url.slice(q + 1),
    REMOTE_ADDR: request.remoteAddress,
    REMOTE_PORT: String(request.remotePort),
  };
  if (request.secure) env.HTTPS = 'on';
  for (const [field, value] of Object.entries(request.headers)) {
    // A `Proxy` field would become HTTP_PROXY, which many programs take as their proxy
    // ("httpoxy", CVE-2016-5385): it is left out.
    if (value === undefined || field.toLowerCase() === 'proxy') continue;
    const name = variableName(field);
    if (name !== null) env[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return env;
}
