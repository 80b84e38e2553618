import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  DEFAULT_ZLIB_CONCURRENCY,
  ZlibLimiter,
  zlibLimiter,
} from '../../../src/extensions/zlib-limiter.js';

describe('ZlibLimiter', () => {
  test('under load that never lets the queue empty, its array stays bounded', () => {
    const limiter = new ZlibLimiter(2);
    const queue = (limiter as unknown as { queue: unknown[] }).queue;
    const releases: (() => void)[] = [];
    let started = 0;
    const job = (release: () => void) => {
      started++;
      releases.push(release);
    };
    for (let i = 0; i < 100; i++) limiter.run(job);
    for (let i = 0; i < 100_000; i++) {
      releases.shift()!();
      limiter.run(job);
    }
    assert.equal(started, 100_002);
    assert.equal(limiter.pending, 98);
    assert.ok(queue.length < 3000, `${queue.length} slots`);
  });

  test('runs at most `limit` jobs at once, the rest in FIFO order', () => {
    const limiter = new ZlibLimiter(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    for (let i = 0; i < 5; i++) {
      limiter.run((release) => {
        started.push(i);
        releases.push(release);
      });
    }
    assert.deepEqual(started, [0, 1]);
    assert.equal(limiter.active, 2);
    assert.equal(limiter.pending, 3);
    releases[1]!();
    assert.deepEqual(started, [0, 1, 2]);
    releases[0]!();
    releases[2]!();
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(limiter.pending, 0);
    releases[3]!();
    releases[4]!();
    assert.equal(limiter.active, 0);
  });

  test('a second release of the same slot is ignored', () => {
    const limiter = new ZlibLimiter(1);
    let release: () => void = () => {};
    limiter.run((r) => {
      release = r;
    });
    let ran = 0;
    limiter.run(() => ran++);
    limiter.run(() => ran++);
    release();
    release();
    assert.equal(ran, 1, 'the double release did not free a second slot');
    assert.equal(limiter.active, 1);
  });

  test('a job that releases at once lets the queue run through', () => {
    const limiter = new ZlibLimiter(1);
    let ran = 0;
    for (let i = 0; i < 1000; i++) {
      limiter.run((release) => {
        ran++;
        release();
      });
    }
    assert.equal(ran, 1000);
    assert.equal(limiter.active, 0);
  });

  test('raising the limit starts waiting jobs', () => {
    const limiter = new ZlibLimiter(1);
    let ran = 0;
    for (let i = 0; i < 3; i++) limiter.run(() => ran++);
    assert.equal(ran, 1);
    limiter.limit = 3;
    assert.equal(ran, 3);
  });

  test('the limit is a positive integer', () => {
    assert.throws(() => new ZlibLimiter(0), RangeError);
    assert.throws(() => new ZlibLimiter(1.5), RangeError);
    assert.throws(() => {
      new ZlibLimiter(1).limit = -1;
    }, RangeError);
  });

  test('one process-wide limiter, 10 by default as in ws', () => {
    assert.equal(DEFAULT_ZLIB_CONCURRENCY, 10);
    assert.ok(zlibLimiter instanceof ZlibLimiter);
  });
});
