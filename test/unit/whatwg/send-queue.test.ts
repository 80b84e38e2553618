import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SendQueue, type SendTarget } from '../../../src/whatwg/send-queue.js';

function recordingTarget() {
  const written: string[] = [];
  const sent: number[] = [];
  const target: SendTarget = {
    writeMessage: (data, binary, length) => {
      written.push(`${binary ? 'binary' : 'text'}:${Buffer.from(data as Uint8Array).toString()}`);
      sent.push(length);
    },
    writeClose: (code, reason) => written.push(`close:${code}:${reason}`),
    onBlobError: (error) => written.push(`blob-error:${error.message}`),
  };
  const queue = new SendQueue(target);
  return { written, sent, queue };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SendQueue: message order with Blobs read asynchronously', { timeout: 5000 }, () => {
  test('with nothing pending, messages are written at once', () => {
    const { written, sent, queue } = recordingTarget();
    queue.add('a', false, 1);
    queue.add(Buffer.from('bc'), true, 2);
    assert.deepEqual(written, ['text:a', 'binary:bc']);
    assert.deepEqual(sent, [1, 2]);
  });

  test('a message and the Close frame wait behind a Blob', async () => {
    const { written, queue } = recordingTarget();
    queue.addBlob(new Blob(['blob']));
    queue.add('after', false, 5);
    queue.addClose(1000, 'bye');
    assert.deepEqual(written, []);
    await tick();
    assert.deepEqual(written, ['binary:blob', 'text:after', 'close:1000:bye']);
  });

  test('bytes queued behind a Blob are copied: later changes by the caller do not show', async () => {
    const { written, queue } = recordingTarget();
    queue.addBlob(new Blob(['x']));
    const bytes = Buffer.from('abc');
    queue.add(bytes, true, 3);
    bytes.write('zzz');
    await tick();
    assert.deepEqual(written, ['binary:x', 'binary:abc']);
  });

  test('Blobs keep their order among themselves', async () => {
    const { written, queue } = recordingTarget();
    queue.addBlob(new Blob([new Uint8Array(1 << 20).fill(0x61)]));
    queue.addBlob(new Blob(['small']));
    await tick();
    await tick();
    assert.equal(written.length, 2);
    assert.ok(written[0]!.startsWith('binary:aaaa'));
    assert.equal(written[1], 'binary:small');
  });

  test('after stop(), nothing more is written', async () => {
    const { written, queue } = recordingTarget();
    queue.addBlob(new Blob(['x']));
    queue.add('y', false, 1);
    queue.stop();
    queue.add('z', false, 1);
    queue.addClose(undefined, '');
    await tick();
    assert.deepEqual(written, []);
  });

  test('a Blob that cannot be read is reported and stops the queue', async () => {
    const { written, queue } = recordingTarget();
    const broken = new Blob(['x']);
    broken.arrayBuffer = () => Promise.reject(new Error('unreadable'));
    queue.addBlob(broken);
    queue.add('y', false, 1);
    await tick();
    assert.deepEqual(written, ['blob-error:unreadable']);
  });
});
