// `wskit exec` end to end: small Node programs behind it, `wskit connect` in front of it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { WebSocket } from '../../src/whatwg/websocket.js';
import { Cli, jsonEvents, runCli, startServer } from '../helpers/cli.js';

const T = { timeout: 20_000 };

/** Programs for exec, written to a temporary folder. */
const PROGRAMS = {
  // Prints its pid and the request's variables, then each line upper-cased; "exit N" exits.
  'upper.mjs': `
import { createInterface } from 'node:readline';
const env = process.env;
console.log(JSON.stringify({ pid: process.pid, REMOTE_ADDR: env.REMOTE_ADDR, REMOTE_PORT: env.REMOTE_PORT,
  REQUEST_URI: env.REQUEST_URI, PATH_INFO: env.PATH_INFO, QUERY_STRING: env.QUERY_STRING,
  SERVER_NAME: env.SERVER_NAME, SERVER_PORT: env.SERVER_PORT, SERVER_SOFTWARE: env.SERVER_SOFTWARE,
  HTTP_X_TEST: env.HTTP_X_TEST, HTTPS: env.HTTPS }));
console.error('started');
for await (const line of createInterface({ input: process.stdin })) {
  const exit = /^exit (\\d+)$/.exec(line);
  if (exit) process.exit(Number(exit[1]));
  console.log(line.toUpperCase());
}
`,
  // Ignores SIGTERM: only SIGKILL ends it.
  'stubborn.mjs': `
process.on('SIGTERM', () => {});
console.log(String(process.pid));
setInterval(() => {}, 1000);
`,
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(25);
  }
  return !alive(pid);
}

describe('wskit exec', () => {
  let dir: string;
  const program = (name: keyof typeof PROGRAMS) => [process.execPath, join(dir, name)];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'wskit-exec-'));
    for (const [name, text] of Object.entries(PROGRAMS)) writeFileSync(join(dir, name), text);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test(
    'lines out are messages, messages in are lines; the request is in the environment',
    T,
    async () => {
      const { cli, wsUrl } = await startServer(['exec', '--', ...program('upper.mjs')]);
      try {
        const run = await runCli([
          'connect',
          '--json',
          '-H',
          'X-Test: yes',
          '-x',
          'hello',
          '-x',
          'wörld',
          '-w',
          '0.5',
          `${wsUrl}?room=a%20b`,
        ]);
        assert.equal(run.code, 0, run.stderr);
        const messages = jsonEvents(run.stdout)
          .filter((e) => e.event === 'message')
          .map((e) => String(e.data));
        assert.deepEqual(messages.slice(1), ['HELLO', 'WÖRLD']);
        const env = JSON.parse(messages[0]!) as Record<string, string>;
        const port = new URL(wsUrl).port;
        assert.equal(env.REMOTE_ADDR, '127.0.0.1');
        assert.match(env.REMOTE_PORT!, /^\d+$/);
        assert.equal(env.REQUEST_URI, '/?room=a%20b');
        assert.equal(env.PATH_INFO, '/');
        assert.equal(env.QUERY_STRING, 'room=a%20b');
        assert.equal(env.SERVER_NAME, '127.0.0.1');
        assert.equal(env.SERVER_PORT, port);
        assert.match(env.SERVER_SOFTWARE!, /^wskit\/\d+\.\d+\.\d+/);
        assert.equal(env.HTTP_X_TEST, 'yes');
        assert.equal(env.HTTPS, undefined);
        // The program's stderr, prefixed with the connection and its pid.
        await cli.waitFor(
          'stderr',
          new RegExp(`\\[127\\.0\\.0\\.1:\\d+ pid ${env.pid}\\] started`),
        );
      } finally {
        cli.kill();
      }
    },
  );

  test('exit status 0 closes with 1000; another closes with 1011', T, async () => {
    const { cli, wsUrl } = await startServer(['exec', '--', ...program('upper.mjs')]);
    try {
      const clean = await runCli(['connect', '--json', '-x', 'exit 0', wsUrl]);
      assert.equal(clean.code, 0, clean.stderr);
      assert.deepEqual(jsonEvents(clean.stdout).at(-1)?.code, 1000);
      const failed = await runCli(['connect', '--json', '-x', 'exit 3', wsUrl]);
      assert.equal(failed.code, 3, failed.stderr);
      const close = jsonEvents(failed.stdout).at(-1);
      assert.deepEqual([close?.code, close?.reason], [1011, 'Program exit status 3']);
      await cli.waitFor('stdout', /pid \d+: exit status 3/);
    } finally {
      cli.kill();
    }
  });

  test('closing the connection ends the program (SIGTERM)', T, async () => {
    const { cli, wsUrl } = await startServer(['exec', '--', ...program('upper.mjs')]);
    try {
      const run = await runCli(['connect', '--json', '-w', '0.3', wsUrl], '');
      assert.equal(run.code, 0, run.stderr);
      const first = jsonEvents(run.stdout).find((e) => e.event === 'message');
      const { pid } = JSON.parse(String(first?.data)) as { pid: number };
      assert.ok(await gone(pid, 5000), `pid ${pid} still running`);
    } finally {
      cli.kill();
    }
  });

  test('a program that ignores SIGTERM gets SIGKILL after --grace', T, async () => {
    const { cli, wsUrl } = await startServer([
      'exec',
      '--grace',
      '0.2',
      '--',
      ...program('stubborn.mjs'),
    ]);
    try {
      const run = await runCli(['connect', '--json', '-w', '0.3', wsUrl], '');
      assert.equal(run.code, 0, run.stderr);
      const pid = Number(jsonEvents(run.stdout).find((e) => e.event === 'message')?.data);
      assert.ok(await gone(pid, 5000), `pid ${pid} still running`);
      await cli.waitFor('stdout', new RegExp(`pid ${pid}: killed by SIGKILL`));
    } finally {
      cli.kill();
    }
  });

  test('--max-processes: upgrades past the limit get 503 until a program ends', T, async () => {
    const { cli, wsUrl } = await startServer([
      'exec',
      '--max-processes',
      '1',
      '--',
      ...program('upper.mjs'),
    ]);
    const holder = new Cli(['connect', '--json', '-w', '0', wsUrl]);
    try {
      await holder.waitFor('stdout', /"event":"message"/);
      const refused = await runCli(['connect', '-x', 'x', wsUrl]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^wskit: cannot connect to .*503/);
      holder.child.stdin.end();
      assert.equal((await holder.exited()).code, 0);
      // The slot is free once the program has ended.
      await cli.waitFor('stdout', /killed by SIGTERM|exit status/);
      const again = await runCli(['connect', '--json', '-x', 'exit 0', wsUrl]);
      assert.equal(again.code, 0, again.stderr);
    } finally {
      holder.kill();
      cli.kill();
    }
  });

  test('a binary message closes with 1003 (text only)', T, async () => {
    const { cli, wsUrl } = await startServer(['exec', '--', ...program('upper.mjs')]);
    try {
      // `wskit connect` sends text only: a WebSocket sends the bytes.
      const ws = new WebSocket(wsUrl);
      const closed = new Promise<number>((resolve) => {
        ws.onclose = (event) => resolve(event.code);
      });
      ws.onopen = () => ws.send(new Uint8Array([1, 2, 3]));
      assert.equal(await closed, 1003);
    } finally {
      cli.kill();
    }
  });

  test('a program that cannot start: 1011 and one line on stderr', T, async () => {
    const { cli, wsUrl } = await startServer(['exec', '--', join(dir, 'missing-program')]);
    try {
      const run = await runCli(['connect', '--json', wsUrl]);
      assert.equal(run.code, 3, run.stderr);
      assert.deepEqual(jsonEvents(run.stdout).at(-1)?.code, 1011);
      await cli.waitFor('stderr', /^wskit: cannot run .*missing-program: .*ENOENT/m);
    } finally {
      cli.kill();
    }
  });

  test('SIGINT closes the connections with 1001, ends the programs, exits 0', T, async () => {
    const { cli, wsUrl } = await startServer([
      'exec',
      '--grace',
      '0.5',
      '--',
      ...program('stubborn.mjs'),
    ]);
    const client = new Cli(['connect', '--json', wsUrl]);
    try {
      const [, pid] = await client.waitFor('stdout', /"data":"(\d+)"/);
      cli.signal('SIGINT');
      const server = await cli.exited(10_000);
      assert.equal(server.code, 0, server.stderr);
      const end = await client.exited();
      assert.equal(jsonEvents(end.stdout).at(-1)?.code, 1001);
      assert.ok(await gone(Number(pid), 1000), 'the program is gone once wskit has exited');
    } finally {
      client.kill();
      cli.kill();
    }
  });
});
