import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { PendingUpgrades } from '../../../src/server/pending-upgrades.js';

/** A pending upgrade that records its abort and leaves the set, as `Upgrade.abort` does. */
class FakeUpgrade {
  aborted: [number, string] | null = null;
  constructor(private readonly set: PendingUpgrades<FakeUpgrade>) {}
  abort(status: number, body: string): void {
    this.aborted = [status, body];
    this.set.delete(this);
  }
}

describe('PendingUpgrades: handshakeTimeout under one timer', () => {
  let time = 0;
  const clock = () => time;
  /** Moves the clock and the mocked timers together. */
  const advance = (ms: number) => {
    time += ms;
    mock.timers.tick(ms);
  };

  beforeEach(() => {
    time = 1000;
    mock.timers.enable({ apis: ['setTimeout'] });
  });
  afterEach(() => mock.timers.reset());

  test('each upgrade is aborted with 503 once its own timeout has passed', () => {
    const pending = new PendingUpgrades<FakeUpgrade>(100, clock);
    const a = new FakeUpgrade(pending);
    const b = new FakeUpgrade(pending);
    pending.add(a);
    advance(40);
    pending.add(b);
    advance(59);
    assert.equal(a.aborted, null);
    advance(1);
    assert.deepEqual(a.aborted, [503, 'Handshake timed out']);
    assert.equal(b.aborted, null, 'b started 40 ms later');
    assert.equal(pending.size, 1);
    advance(39);
    assert.equal(b.aborted, null);
    advance(1);
    assert.deepEqual(b.aborted, [503, 'Handshake timed out']);
    assert.equal(pending.size, 0);
  });

  test('upgrades that settle leave; the first one left is timed from its own start', () => {
    const pending = new PendingUpgrades<FakeUpgrade>(100, clock);
    const a = new FakeUpgrade(pending);
    const b = new FakeUpgrade(pending);
    pending.add(a);
    advance(50);
    pending.add(b);
    pending.delete(a); // settled in time
    advance(50);
    assert.equal(a.aborted, null);
    assert.equal(b.aborted, null);
    advance(50);
    assert.deepEqual(b.aborted, [503, 'Handshake timed out']);
  });

  test('upgrades due at the same time are all aborted by one firing', () => {
    const pending = new PendingUpgrades<FakeUpgrade>(10, clock);
    const all = Array.from({ length: 5 }, () => new FakeUpgrade(pending));
    for (const u of all) pending.add(u);
    advance(10);
    assert.ok(all.every((u) => u.aborted !== null));
    assert.equal(pending.size, 0);
  });

  test('abortAll ends every pending upgrade with the given status', () => {
    const pending = new PendingUpgrades<FakeUpgrade>(100, clock);
    const a = new FakeUpgrade(pending);
    const b = new FakeUpgrade(pending);
    pending.add(a);
    pending.add(b);
    pending.abortAll(503, 'Server shutting down');
    assert.deepEqual(a.aborted, [503, 'Server shutting down']);
    assert.deepEqual(b.aborted, [503, 'Server shutting down']);
    assert.equal(pending.size, 0);
  });

  test('after the set empties, a new upgrade is still timed from its own start', () => {
    const pending = new PendingUpgrades<FakeUpgrade>(100, clock);
    const a = new FakeUpgrade(pending);
    pending.add(a);
    pending.delete(a);
    advance(60);
    // The timer armed for `a` is still due at 100: it must not abort `b`, added at 60.
    const b = new FakeUpgrade(pending);
    pending.add(b);
    advance(40);
    assert.equal(b.aborted, null);
    advance(59);
    assert.equal(b.aborted, null);
    advance(1);
    assert.deepEqual(b.aborted, [503, 'Handshake timed out']);
  });
});
