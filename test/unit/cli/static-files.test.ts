import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contentType, createStaticHandler, safeSegments } from '../../../src/cli/static-files.js';

describe('safeSegments and contentType', () => {
  test('decoded segments; no dot segments, dot files, NUL, backslash or bad escapes', () => {
    assert.deepEqual(safeSegments('/a/b%20c.txt?x=1'), ['a', 'b c.txt']);
    assert.deepEqual(safeSegments('//a//'), ['a']);
    assert.deepEqual(safeSegments('/'), []);
    for (const bad of [
      '/../x',
      '/a/%2e%2e/%2e%2e/x',
      '/.env',
      '/a/.git/config',
      '/a%00b',
      '/a%5cb',
      '/%zz',
      'x',
      '/a/%2E',
    ]) {
      assert.equal(safeSegments(bad), null, bad);
    }
  });

  test('content types by extension, case-insensitive', () => {
    assert.equal(contentType('a.HTML'), 'text/html; charset=utf-8');
    assert.equal(contentType('app.mjs'), 'text/javascript; charset=utf-8');
    assert.equal(contentType('x.wasm'), 'application/wasm');
    assert.equal(contentType('logo.svg'), 'image/svg+xml');
    assert.equal(contentType('blob'), 'application/octet-stream');
  });
});

describe('createStaticHandler over HTTP', () => {
  let dir: string;
  let server: Server;
  let port: number;

  /** A raw request: fetch would normalize `..` away before sending. */
  function get(path: string, method = 'GET') {
    return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
          let body = '';
          res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject).end();
      },
    );
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wskit-static-'));
    const root = join(dir, 'public');
    mkdirSync(join(root, 'docs'), { recursive: true });
    writeFileSync(join(root, 'hello.txt'), 'hello\n');
    writeFileSync(join(root, 'docs', 'index.html'), '<p>docs</p>');
    writeFileSync(join(root, '.secret'), 'no');
    writeFileSync(join(dir, 'outside.txt'), 'outside');
    symlinkSync(join(dir, 'outside.txt'), join(root, 'escape.txt'));
    symlinkSync(join(root, 'hello.txt'), join(root, 'inside.txt'));
    const files = createStaticHandler(root);
    server = createServer(files);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file, with its type and length; HEAD without the body', async () => {
    const res = await get('/hello.txt');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(res.headers['content-length'], '6');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.body, 'hello\n');
    const head = await get('/hello.txt', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
  });

  test('a folder redirects to its / form, which serves its index.html', async () => {
    const res = await get('/docs?x=1');
    assert.equal(res.status, 301);
    assert.equal(res.headers.location, '/docs/?x=1');
    const index = await get('/docs/');
    assert.equal(index.status, 200);
    assert.equal(index.body, '<p>docs</p>');
  });

  test('traversal, dot files, links out of the folder and missing files are 404', async () => {
    for (const path of [
      '/../outside.txt',
      '/%2e%2e/outside.txt',
      '/.secret',
      '/escape.txt',
      '/nope',
      '/',
    ]) {
      assert.equal((await get(path)).status, 404, path);
    }
    assert.equal((await get('/inside.txt')).body, 'hello\n', 'a link inside the folder is served');
  });

  test('other methods get 405', async () => {
    const res = await get('/hello.txt', 'POST');
    assert.equal(res.status, 405);
    assert.equal(res.headers.allow, 'GET, HEAD');
  });

  test('a missing folder throws when the handler is made', () => {
    assert.throws(() => createStaticHandler(join(dir, 'missing')), /ENOENT/);
  });
});
