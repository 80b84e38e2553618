/**
 * `serve --static DIR`: files from one folder, for the paths the try-it page does not take.
 * Only regular files inside the folder are served: no `..`, no dot files (`.git`, `.env`), and no
 * symbolic link that leads out of it. Anything else is a 404.
 */
import { createReadStream, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.pdf': 'application/pdf',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** The Content-Type of a file name; unknown extensions are `application/octet-stream`. */
export function contentType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * The path segments of a request target, decoded, or null when the target cannot name a file
 * in the folder: bad percent-encoding, a NUL or backslash, `.` or `..`, or any dot file.
 */
export function safeSegments(target: string): string[] | null {
  const q = target.indexOf('?');
  const raw = q === -1 ? target : target.slice(0, q);
  if (!raw.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment.startsWith('.'))) return null;
  return segments;
}

function answer(res: ServerResponse, status: number, text: string, headers = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** Answers 404 Not Found. */
export function notFound(res: ServerResponse): void {
  answer(res, 404, 'Not Found\n');
}

/**
 * Makes the handler; resolves the folder now (a missing folder throws here). The handler always
 * answers: the file, a redirect from a folder to its `/` form, 404 or 405.
 */
export function createStaticHandler(
  dir: string,
): (req: IncomingMessage, res: ServerResponse) => void {
  const root = realpathSync(dir);
  const inside = (file: string) => file === root || file.startsWith(root + sep);

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      answer(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const target = req.url ?? '/';
    const segments = safeSegments(target);
    if (segments === null) return notFound(res);
    let file = join(root, ...segments);
    let info = await stat(file);
    if (info.isDirectory()) {
      const q = target.indexOf('?');
      const path = q === -1 ? target : target.slice(0, q);
      if (!path.endsWith('/')) {
        // Relative links in the folder's index.html resolve against the `/` form.
        answer(res, 301, 'Moved Permanently\n', {
          Location: `${path}/${target.slice(path.length)}`,
        });
        return;
      }
      file = join(file, 'index.html');
      info = await stat(file);
    }
    if (!info.isFile() || !inside(await realpath(file))) return notFound(res);
    res.writeHead(200, {
      'Content-Type': contentType(file),
      'Content-Length': String(info.size),
      'Last-Modified': info.mtime.toUTCString(),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  };

  return (req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) notFound(res);
      else res.destroy();
    });
  };
}
