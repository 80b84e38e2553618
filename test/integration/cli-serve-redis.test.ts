// `wskit serve --mode broadcast --redis URL`: two processes joined into one room on a real Redis.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Cli, runCli, startServer } from '../helpers/cli.js';
import { freePort, RedisServer, skipWithoutRedis } from '../helpers/redis.js';

const T = { timeout: 30_000 };

describe('wskit serve --redis', { skip: skipWithoutRedis || undefined }, () => {
  test(
    'a message sent to one process reaches the clients of the other, not its sender',
    T,
    async () => {
      const redis = new RedisServer(await freePort());
      await redis.start();
      const a = await startServer(['serve', '--mode', 'broadcast', '--redis', redis.url]);
      const b = await startServer(['serve', '--mode', 'broadcast', '--redis', redis.url]);
      const listener = new Cli(['connect', '--json', '-w', '0', b.wsUrl]);
      try {
        await listener.waitFor('stdout', /"event":"open"/);
        const sender = await runCli(['connect', '--json', '-x', 'across', '-w', '0.5', a.wsUrl]);
        assert.equal(sender.code, 0, sender.stderr);
        assert.doesNotMatch(sender.stdout, /"data":"across"/, 'the sender gets nothing back');
        await listener.waitFor('stdout', /"data":"across"/);
        listener.child.stdin.end();
        assert.equal((await listener.exited()).code, 0);
      } finally {
        listener.kill();
        a.cli.kill();
        b.cli.kill();
        await redis.kill();
      }
    },
  );

  test('an unreachable Redis is one clear error and exit status 1', T, async () => {
    const port = await freePort();
    const result = await runCli([
      'serve',
      '--port',
      '0',
      '--mode',
      'broadcast',
      '--redis',
      `redis://127.0.0.1:${port}`,
    ]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^wskit: cannot join the room on Redis: /m);
  });
});
