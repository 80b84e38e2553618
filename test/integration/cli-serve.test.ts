// `wskit serve` end to end, as a process: the page, static files, echo and broadcast through
// `wskit connect`, paths, limits, TLS and the shutdown on a signal.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Cli, fixture, jsonEvents, runCli, startServer } from '../helpers/cli.js';

const T = { timeout: 20_000 };

/** A raw GET (fetch would normalize `..`), status and body. */
function httpGet(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    }).on('error', reject);
  });
}

describe('wskit serve', () => {
  test('prints the URLs and serves the try-it page at /', T, async () => {
    const { cli, wsUrl, pageUrl } = await startServer(['serve', '--path', '/ws']);
    try {
      assert.match(pageUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      assert.equal(wsUrl, `${pageUrl.replace('http:', 'ws:')}ws`);
      const page = await httpGet(pageUrl);
      assert.equal(page.status, 200);
      assert.equal(page.type, 'text/html; charset=utf-8');
      assert.match(page.body, /<title>wskit · try it<\/title>/);
      assert.match(page.body, /<meta name="wskit-ws-path" content="\/ws"/);
      assert.equal((await httpGet(`${pageUrl}app.js`)).status, 200);
      assert.equal((await httpGet(`${pageUrl}missing`)).status, 404);
    } finally {
      cli.kill();
    }
  });

  test('--static serves a folder for the other paths, and nothing outside it', T, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wskit-serve-'));
    writeFileSync(join(dir, 'data.json'), '{"a":1}');
    const { cli, pageUrl } = await startServer(['serve', '--static', dir]);
    try {
      const file = await httpGet(`${pageUrl}data.json`);
      assert.deepEqual(file, { status: 200, type: 'application/json', body: '{"a":1}' });
      assert.equal((await httpGet(`${pageUrl}%2e%2e/etc/passwd`)).status, 404);
      assert.match((await httpGet(pageUrl)).body, /wskit-ws-path/, 'the page keeps /');
    } finally {
      cli.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('echo: connect -x sends, prints each reply and exits 0', T, async () => {
    const { cli, wsUrl } = await startServer(['serve']);
    try {
      const run = await runCli(['connect', '-x', 'hello', '-x', 'wörld', '-w', '0.3', wsUrl]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^\d\d:\d\d:\d\d\.\d{3} < hello\n\d\d:\d\d:\d\d\.\d{3} < wörld\n$/);
      assert.match(run.stderr, /connected to ws:\/\/127\.0\.0\.1:\d+\//);
      assert.match(run.stderr, /closed: 1000 \(normal\)/);
      assert.ok(!`${run.stdout}${run.stderr}`.includes('\u001b['), 'no colour in a pipe');
      await cli.waitFor('stdout', /closed 1000 \(normal\)/);
    } finally {
      cli.kill();
    }
  });

  test('echo in a pipe, with --json: one object per event, EOF closes', T, async () => {
    const { cli, wsUrl } = await startServer(['serve']);
    try {
      const run = await runCli(['connect', '--json', '-w', '0.3', wsUrl], 'one\ntwo\n');
      assert.equal(run.code, 0, run.stderr);
      const events = jsonEvents(run.stdout);
      assert.deepEqual(
        events.map((e) => [e.event, e.type, e.data]),
        [
          ['open', undefined, undefined],
          ['message', 'text', 'one'],
          ['message', 'text', 'two'],
          ['close', undefined, undefined],
        ],
      );
      assert.deepEqual(events[3], { ...events[3], code: 1000, reason: '' });
      assert.ok(
        events.every((e) => typeof e.time === 'string' && !Number.isNaN(Date.parse(e.time))),
      );
    } finally {
      cli.kill();
    }
  });

  test('broadcast: a message reaches every other client, not its sender', T, async () => {
    const { cli, wsUrl } = await startServer(['serve', '--mode', 'broadcast']);
    const listener = new Cli(['connect', '--json', '-w', '0', wsUrl]);
    try {
      await listener.waitFor('stdout', /"event":"open"/);
      const sender = await runCli(['connect', '--json', '-x', 'hi all', '-w', '0.3', wsUrl]);
      assert.equal(sender.code, 0, sender.stderr);
      assert.deepEqual(
        jsonEvents(sender.stdout).map((e) => e.event),
        ['open', 'close'],
        'the sender gets nothing back',
      );
      await listener.waitFor('stdout', /"data":"hi all"/);
      listener.child.stdin.end();
      const end = await listener.exited();
      assert.equal(end.code, 0, end.stderr);
    } finally {
      listener.kill();
      cli.kill();
    }
  });

  test('SIGTERM closes the clients with 1001 and exits 0', T, async () => {
    const { cli, wsUrl } = await startServer(['serve']);
    const client = new Cli(['connect', '--json', wsUrl]);
    try {
      await client.waitFor('stdout', /"event":"open"/);
      cli.signal('SIGTERM');
      const server = await cli.exited();
      assert.equal(server.code, 0, server.stderr);
      assert.match(server.stdout, /SIGTERM: closing 1 connection\(s\) with 1001/);
      const end = await client.exited();
      assert.equal(end.code, 0, 'a close with 1001 is a clean end');
      const close = jsonEvents(end.stdout).at(-1);
      assert.deepEqual([close?.event, close?.code], ['close', 1001]);
    } finally {
      client.kill();
      cli.kill();
    }
  });

  test('--path: other paths get 404, and connect says so and exits 1', T, async () => {
    const { cli, wsUrl } = await startServer(['serve', '--path', '/chat']);
    try {
      const wrong = wsUrl.replace(/\/chat$/, '/other');
      const run = await runCli(['connect', '-x', 'x', wrong]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^wskit: cannot connect to ws:\/\/[^ ]+\/other: .*404/m);
      assert.equal(run.stdout, '');
    } finally {
      cli.kill();
    }
  });

  test('--max-payload: a larger message is closed with 1009; connect exits 3', T, async () => {
    const { cli, wsUrl } = await startServer(['serve', '--max-payload', '16']);
    try {
      const run = await runCli(['connect', '-x', 'x'.repeat(17), wsUrl]);
      assert.equal(run.code, 3, run.stderr);
      assert.match(run.stderr, /closed: 1009 \(message too big\)/);
    } finally {
      cli.kill();
    }
  });

  test('a port in use: one line on stderr, exit 1', T, async () => {
    const { cli, pageUrl } = await startServer(['serve']);
    try {
      const port = new URL(pageUrl).port;
      const run = await runCli(['serve', '--port', port]);
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^wskit: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE.*\n$/);
    } finally {
      cli.kill();
    }
  });

  test(
    'TLS: https and wss with --tls-cert/--tls-key; connect with --insecure or --ca',
    T,
    async () => {
      const cert = fixture('test-cert.pem');
      const { cli, wsUrl, pageUrl } = await startServer([
        'serve',
        '--tls-cert',
        cert,
        '--tls-key',
        fixture('test-key.pem'),
      ]);
      try {
        assert.match(pageUrl, /^https:\/\//);
        assert.match(wsUrl, /^wss:\/\//);
        const insecure = await runCli(['connect', '-k', '-x', 'secret', '-w', '0.3', wsUrl]);
        assert.equal(insecure.code, 0, insecure.stderr);
        assert.match(insecure.stdout, /< secret\n/);
        const trusted = await runCli(['connect', '--ca', cert, '-x', 'ca', '-w', '0.3', wsUrl]);
        assert.equal(trusted.code, 0, trusted.stderr);
        const refused = await runCli(['connect', '-x', 'no', wsUrl]);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /^wskit: cannot connect to wss:.*self[- ]signed/m);
      } finally {
        cli.kill();
      }
    },
  );

  test('an unreadable certificate or folder: one line, exit 1', T, async () => {
    const tls = await runCli([
      'serve',
      '--port',
      '0',
      '--tls-cert',
      '/nonexistent.pem',
      '--tls-key',
      'k',
    ]);
    assert.equal(tls.code, 1);
    assert.match(tls.stderr, /^wskit: cannot read --tls-cert \/nonexistent\.pem: .*ENOENT.*\n$/);
    const dir = await runCli(['serve', '--port', '0', '--static', '/nonexistent-dir']);
    assert.equal(dir.code, 1);
    assert.match(dir.stderr, /^wskit: cannot serve --static \/nonexistent-dir: .*\n$/);
  });
});
