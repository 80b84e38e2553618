import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type Command,
  DEFAULT_MAX_PAYLOAD,
  type ParseResult,
  parseArgs,
  type Topic,
} from '../../../src/cli/args.js';

function ok(argv: string[]): Command {
  const result = parseArgs(argv);
  if (!result.ok) assert.fail(`expected success for ${argv.join(' ')}, got ${result.error}`);
  return result.command;
}

function fails(argv: string[], pattern: RegExp, topic?: Topic): void {
  const result: ParseResult = parseArgs(argv);
  assert.equal(result.ok, false, `expected an error for ${argv.join(' ')}`);
  if (result.ok) return;
  assert.match(result.error, pattern);
  assert.doesNotMatch(result.error, /\n/, 'one line');
  if (topic !== undefined) assert.equal(result.topic, topic);
}

describe('parseArgs: the command', () => {
  test('no command, an unknown command or option is an error about wskit', () => {
    fails([], /no command given/, 'wskit');
    fails(['listen'], /unknown command "listen"/, 'wskit');
    fails(['--verbose'], /unknown option "--verbose"/, 'wskit');
  });

  test('--help, -h and help TOPIC; --version and -V', () => {
    assert.deepEqual(ok(['--help']), { kind: 'help', topic: 'wskit' });
    assert.deepEqual(ok(['-h']), { kind: 'help', topic: 'wskit' });
    assert.deepEqual(ok(['help']), { kind: 'help', topic: 'wskit' });
    assert.deepEqual(ok(['help', 'exec']), { kind: 'help', topic: 'exec' });
    fails(['help', 'nope'], /no help for "nope"/);
    assert.deepEqual(ok(['--version']), { kind: 'version' });
    assert.deepEqual(ok(['-V']), { kind: 'version' });
  });

  test('COMMAND --help wins over other options, even invalid values', () => {
    for (const name of ['serve', 'connect', 'exec'] as const) {
      assert.deepEqual(ok([name, '--help']), { kind: 'help', topic: name });
      assert.deepEqual(ok([name, '-h']), { kind: 'help', topic: name });
    }
    assert.deepEqual(ok(['serve', '--port', 'x', '--help']), { kind: 'help', topic: 'serve' });
  });
});

describe('parseArgs: serve', () => {
  test('--redis needs a redis:// URL and broadcast mode', () => {
    for (const argv of [
      ['serve', '--mode', 'broadcast', '--redis', 'http://x'],
      ['serve', '--redis', 'redis://127.0.0.1:6379'],
    ]) {
      const result = parseArgs(argv);
      assert.equal(result.ok, false, argv.join(' '));
    }
  });

  test('defaults', () => {
    assert.deepEqual(ok(['serve']), {
      kind: 'serve',
      port: 8080,
      host: '127.0.0.1',
      path: '/',
      tls: null,
      maxPayload: DEFAULT_MAX_PAYLOAD,
      mode: 'echo',
      staticDir: null,
      deflate: true,
      redis: null,
    });
  });

  test('every option, in both spellings', () => {
    const command = ok([
      'serve',
      '-p',
      '9000',
      '--host=0.0.0.0',
      '--path',
      '/ws',
      '--mode=broadcast',
      '--static',
      'public',
      '--tls-cert',
      'c.pem',
      '--tls-key=k.pem',
      '--no-deflate',
      '--max-payload',
      '64K',
      '--redis',
      'redis://127.0.0.1:6379',
    ]);
    assert.deepEqual(command, {
      kind: 'serve',
      port: 9000,
      host: '0.0.0.0',
      path: '/ws',
      tls: { cert: 'c.pem', key: 'k.pem' },
      maxPayload: 65536,
      mode: 'broadcast',
      staticDir: 'public',
      deflate: false,
      redis: 'redis://127.0.0.1:6379',
    });
    assert.equal((ok(['serve', '-mbroadcast', '-p0']) as { port: number }).port, 0);
  });

  test('the last of a repeated option wins', () => {
    assert.equal((ok(['serve', '--port', '1', '--port', '2']) as { port: number }).port, 2);
  });

  test('sizes take K, M and G as binary multiples', () => {
    const size = (text: string) =>
      (ok(['serve', '--max-payload', text]) as { maxPayload: number }).maxPayload;
    assert.equal(size('1'), 1);
    assert.equal(size('2k'), 2048);
    assert.equal(size('3M'), 3 * 1024 * 1024);
    assert.equal(size('1GiB'), 1024 ** 3);
    fails(['serve', '--max-payload', '0'], /--max-payload must be a positive size/);
    fails(['serve', '--max-payload', '1.5M'], /--max-payload/);
    fails(['serve', '--max-payload', '-1'], /--max-payload/);
  });

  test('bad values are one-line errors naming the option', () => {
    fails(
      ['serve', '--port', '65536'],
      /serve: --port must be a number from 0 to 65535, not 65536/,
    );
    fails(['serve', '--port', '80a'], /--port/);
    fails(['serve', '--port'], /--port needs a value/);
    fails(['serve', '--mode', 'chat'], /--mode must be echo or broadcast, not chat/);
    fails(['serve', '--path', 'ws'], /--path must be a path/);
    fails(['serve', '--path', '/ws?x'], /--path/);
    fails(['serve', '--host', ''], /--host must not be empty/);
    fails(['serve', '--tls-cert', 'c.pem'], /--tls-cert and --tls-key go together/);
    fails(['serve', '--no-deflate=1'], /--no-deflate takes no value/);
    fails(['serve', '--static', ''], /--static must name a folder/);
    fails(['serve', '--bogus'], /serve: unknown option --bogus/, 'serve');
    fails(['serve', '-z'], /unknown option -z/, 'serve');
    fails(['serve', 'extra'], /unexpected argument "extra"/);
  });
});

describe('parseArgs: connect', () => {
  test('defaults', () => {
    assert.deepEqual(ok(['connect', 'ws://127.0.0.1:8080']), {
      kind: 'connect',
      url: 'ws://127.0.0.1:8080/',
      headers: [],
      protocols: [],
      deflate: true,
      insecure: false,
      ca: null,
      execute: [],
      wait: 2,
      pingInterval: null,
      json: false,
      timeout: 10,
    });
  });

  test('URLs: http(s) become ws(s); no scheme means ws://', () => {
    const url = (text: string) => (ok(['connect', text]) as { url: string }).url;
    assert.equal(url('https://example.test/a?b=1'), 'wss://example.test/a?b=1');
    assert.equal(url('http://example.test'), 'ws://example.test/');
    assert.equal(url('localhost:9000/chat'), 'ws://localhost:9000/chat');
    assert.equal(url('WSS://EXAMPLE.test'), 'wss://example.test/');
  });

  test('bad URLs are usage errors', () => {
    fails(['connect', 'ftp://example.test/'], /invalid URL "ftp:\/\/example.test\/".*scheme/);
    fails(['connect', 'ws://example.test/#top'], /invalid URL.*fragment/);
    fails(['connect', 'ws://[::1'], /invalid URL/);
    fails(['connect', 'ws://exa mple.test/'], /invalid URL/);
    fails(['connect'], /a URL is missing/);
    fails(['connect', 'ws://a.test', 'ws://b.test'], /unexpected argument "ws:\/\/b.test"/);
  });

  test('repeatable options keep their order; options may follow the URL', () => {
    const command = ok([
      'connect',
      '-H',
      'Authorization: Bearer x:y',
      'ws://example.test',
      '--header=X-Two:2',
      '-s',
      'chat.v2',
      '-schat.v1',
      '-x',
      'one',
      '--execute',
      'two',
      '-w',
      '0.5',
      '--json',
      '-k',
      '--no-deflate',
      '--timeout',
      '3',
    ]);
    assert.deepEqual(command, {
      kind: 'connect',
      url: 'ws://example.test/',
      headers: [
        ['Authorization', 'Bearer x:y'],
        ['X-Two', '2'],
      ],
      protocols: ['chat.v2', 'chat.v1'],
      deflate: false,
      insecure: true,
      ca: null,
      execute: ['one', 'two'],
      wait: 0.5,
      pingInterval: null,
      json: true,
      timeout: 3,
    });
  });

  test('--ping pings every second; --ping-interval sets the period and implies --ping', () => {
    const interval = (...args: string[]) =>
      (ok(['connect', 'ws://h.test', ...args]) as { pingInterval: number | null }).pingInterval;
    assert.equal(interval('--ping'), 1);
    assert.equal(interval('--ping-interval', '0.25'), 0.25);
    assert.equal(interval('--ping', '--ping-interval=3'), 3);
    fails(['connect', 'ws://h.test', '--ping-interval', '0'], /more than 0 seconds/);
  });

  test('bad headers, subprotocols, times and TLS options', () => {
    const url = 'ws://h.test';
    fails(['connect', url, '-H', 'NoColon'], /-H wants "Name: value"/);
    fails(['connect', url, '-H', 'Bad Name: x'], /-H wants "Name: value"/);
    fails(['connect', url, '-H', 'X: a\rb'], /may not contain CR, LF or NUL/);
    fails(['connect', url, '-s', 'a b'], /-s: The subprotocol 'a b' is invalid/);
    fails(['connect', url, '-s', 'chat', '-s', 'CHAT'], /duplicated/);
    fails(['connect', url, '--wait', '-1'], /--wait must be a number of seconds/);
    fails(['connect', url, '--timeout', 'soon'], /--timeout must be a number of seconds/);
    fails(['connect', url, '-k', '--ca', 'ca.pem'], /--insecure and --ca exclude each other/);
    fails(['connect', url, '-kx'], /-k takes no value/);
  });
});

describe('parseArgs: exec', () => {
  test('the program and its arguments, after -- or after the first operand', () => {
    const a = ok(['exec', '--port', '9000', '--', './run.sh', '--port', '1']);
    assert.equal(a.kind, 'exec');
    if (a.kind !== 'exec') return;
    assert.equal(a.port, 9000);
    assert.equal(a.command, './run.sh');
    assert.deepEqual(a.args, ['--port', '1']);
    assert.equal(a.maxProcesses, Number.POSITIVE_INFINITY);
    assert.equal(a.grace, 5);
    const b = ok(['exec', '--max-processes', '3', '--grace', '0.5', 'cat', '-n']);
    assert.deepEqual(b.kind === 'exec' && [b.command, b.args, b.maxProcesses, b.grace], [
      'cat',
      ['-n'],
      3,
      0.5,
    ]);
  });

  test("a --help after the program is the program's", () => {
    const command = ok(['exec', '--', 'grep', '--help']);
    assert.deepEqual(command.kind === 'exec' && command.args, ['--help']);
  });

  test('errors', () => {
    fails(['exec'], /a program to run is missing/, 'exec');
    fails(['exec', '--'], /a program to run is missing/);
    fails(
      ['exec', '--max-processes', '0', 'cat'],
      /--max-processes must be a positive whole number/,
    );
    fails(['exec', '--no-deflate', 'cat'], /unknown option --no-deflate/);
  });
});
