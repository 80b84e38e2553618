import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createPageHandler, PAGE_CONTENT_SECURITY_POLICY } from '../../../src/cli/static-page.js';

describe('createPageHandler', () => {
  let server: Server;
  let base: string;
  /** Paths the handler declined, in order. */
  const declined: string[] = [];

  before(async () => {
    const page = createPageHandler({ wsPath: '/chat?room="a"&b' });
    server = createServer((req, res) => {
      if (page(req, res)) return;
      declined.push(req.url ?? '');
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('GET / answers the page with no-cache and the content security policy', async () => {
    const res = await fetch(`${base}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.equal(csp, PAGE_CONTENT_SECURITY_POLICY);
    assert.match(csp, /(^|; )default-src 'self'(;|$)/);
    assert.match(csp, /(^|; )connect-src 'self' ws: wss:(;|$)/);
    assert.match(await res.text(), /<title>wskit · try it<\/title>/);
  });

  test('the WebSocket path is written into the meta tag, escaped for an attribute', async () => {
    const html = await (await fetch(`${base}/`)).text();
    assert.ok(
      html.includes('<meta name="wskit-ws-path" content="/chat?room=&quot;a&quot;&amp;b" />'),
      html.slice(0, 600),
    );
  });

  test('the page ignores the query string of its own URL', async () => {
    const res = await fetch(`${base}/?url=ws://example.test/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  });

  test('style.css and app.js have their content types', async () => {
    const css = await fetch(`${base}/style.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    const js = await fetch(`${base}/app.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await js.text(), /new WebSocket\(/);
  });

  test('HEAD answers the headers and no body', async () => {
    const get = await fetch(`${base}/app.js`);
    const length = (await get.arrayBuffer()).byteLength;
    const head = await fetch(`${base}/app.js`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(length));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
  });

  test('a matching If-None-Match gets 304', async () => {
    const etag = (await fetch(`${base}/style.css`)).headers.get('etag');
    assert.ok(etag);
    const res = await fetch(`${base}/style.css`, { headers: { 'If-None-Match': etag } });
    assert.equal(res.status, 304);
    assert.equal((await res.arrayBuffer()).byteLength, 0);
  });

  test('other methods on the page get 405 with Allow', async () => {
    const res = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), 'GET, HEAD');
  });

  test('other paths are left to the caller', async () => {
    declined.length = 0;
    for (const path of ['/index.html', '/favicon.ico', '/app.js/', '/page/app.js']) {
      assert.equal((await fetch(`${base}${path}`)).status, 404, path);
    }
    assert.deepEqual(declined, ['/index.html', '/favicon.ico', '/app.js/', '/page/app.js']);
  });

  test('wsPath must be an absolute path', () => {
    for (const wsPath of ['', 'ws', 'ws://host/', '/a b', '/a#b']) {
      assert.throws(() => createPageHandler({ wsPath }), TypeError, JSON.stringify(wsPath));
    }
  });
});
