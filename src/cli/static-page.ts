/**
 * Serves the try-it page (`./page/`) from `node:http`: `/`, `/style.css` and `/app.js`.
 *
 * The files are read once, when the handler is made, and answered from memory. The page learns
 * the server's WebSocket path from `<meta name="wskit-ws-path">`, whose `content` is replaced
 * here by `options.wsPath`; the page builds its default URL from its own location plus that path.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of {@link createPageHandler}. */
export interface PageHandlerOptions {
  /** The path the WebSocket server answers upgrades on, e.g. `/` or `/ws`: the page's default URL. */
  wsPath: string;
}

/**
 * Answers one request if it is for the page. Returns `false`, without touching `res`, when the
 * path is not one of the page's, so that the caller can answer (usually with a 404).
 */
export type PageHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The policy the page is written for: its own files only, no inline script or style, and
 * WebSocket connections to any host (trying other servers is the point of the page).
 * `connect-src ws: wss:` is spelled out because `'self'` covers ws: only in CSP Level 3.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const FILES = [
  { path: '/', file: 'index.html', type: 'text/html; charset=utf-8' },
  { path: '/style.css', file: 'style.css', type: 'text/css; charset=utf-8' },
  { path: '/app.js', file: 'app.js', type: 'text/javascript; charset=utf-8' },
] as const;

const WS_PATH_META = /(<meta name="wskit-ws-path" content=")[^"]*(")/;

/** Makes the request handler; reads the page's files now, so a missing file fails here. */
export function createPageHandler(options: PageHandlerOptions): PageHandler {
  const { wsPath } = options;
  // A path as in a request target: starts with '/', printable ASCII, no fragment.
  if (!/^\/[\x21-\x7e]*$/.test(wsPath) || wsPath.includes('#')) {
    throw new TypeError(`wsPath must be an absolute path such as "/" or "/ws", got ${wsPath}`);
  }
  const dir = new URL('./page/', import.meta.url);
  const assets = new Map<string, Asset>();
  for (const { path, file, type } of FILES) {
    let text = readFileSync(new URL(file, dir), 'utf8');
    if (file === 'index.html') {
      if (!WS_PATH_META.test(text)) throw new Error('index.html has no wskit-ws-path meta tag');
      text = text.replace(WS_PATH_META, (_m, open: string, close: string) => {
        return `${open}${escapeAttribute(wsPath)}${close}`;
      });
    }
    const body = Buffer.from(text, 'utf8');
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(path, { body, type, etag });
  }

  return (req, res) => {
    const asset = assets.get(pathOf(req.url));
    if (asset === undefined) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': '0' });
      res.end();
      return true;
    }
    const headers = {
      'Content-Type': asset.type,
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
      'Content-Security-Policy': PAGE_CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    };
    // no-cache means "revalidate": a matching ETag gets an empty 304.
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(asset.body.length) });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
    return true;
  };
}

/** The path of a request target, without its query (`/?url=…` is the page too). */
function pathOf(target: string | undefined): string {
  if (target === undefined) return '';
  const q = target.indexOf('?');
  return q === -1 ? target : target.slice(0, q);
}

function escapeAttribute(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('"', '&quot;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}
