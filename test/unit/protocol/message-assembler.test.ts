import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProtocolError } from '../../../src/protocol/errors.js';
import { type AssemblerHost, MessageAssembler } from '../../../src/protocol/message-assembler.js';

/** A host that records what the assembler reports. */
function assembler(maxPayload = 1024): {
  assembler: MessageAssembler;
  events: Array<{ data: string; binary: boolean } | { error: string }>;
} {
  const events: Array<{ data: string; binary: boolean } | { error: string }> = [];
  const host: AssemblerHost = {
    deliver: (data, binary) => events.push({ data: data.toString('latin1'), binary }),
    violation: (error: ProtocolError) => events.push({ error: error.code }),
    inflating: () => assert.fail('no codec'),
    inflated: () => assert.fail('no codec'),
  };
  return { assembler: new MessageAssembler(host, maxPayload, null), events };
}

test('§5.4: a message in one frame is delivered at the end of its frame', () => {
  const { assembler: a, events } = assembler();
  assert.equal(a.startFrame(true, 0, 0x2, 3), null);
  a.data(Buffer.from('ab'));
  a.data(Buffer.from('c'));
  assert.deepEqual(events, []);
  a.endFrame(true);
  assert.deepEqual(events, [{ data: 'abc', binary: true }]);
});

test('§5.4: fragments are joined; a continuation without a message and an interrupting data frame are errors', () => {
  const { assembler: a, events } = assembler();
  assert.equal(a.startFrame(true, 0, 0x0, 1)?.code, 'WS_ERR_UNEXPECTED_CONTINUATION');
  assert.equal(a.startFrame(false, 0, 0x1, 2), null);
  a.data(Buffer.from('he'));
  a.endFrame(false);
  assert.equal(a.startFrame(true, 0, 0x2, 1)?.code, 'WS_ERR_EXPECTED_CONTINUATION');
  assert.equal(a.startFrame(true, 0, 0x0, 2), null);
  a.data(Buffer.from('ll'));
  a.endFrame(true);
  assert.deepEqual(events, [{ data: 'hell', binary: false }]);
});

test('§5.4: the limit counts every fragment, before the payload arrives', () => {
  const { assembler: a } = assembler(10);
  assert.equal(a.startFrame(false, 0, 0x2, 6), null);
  a.endFrame(false);
  assert.equal(a.startFrame(true, 0, 0x0, 5)?.code, 'WS_ERR_MESSAGE_TOO_BIG');
});

test('§8.1: invalid UTF-8 fails in the fragment that proves it, or at the end of an unfragmented message', () => {
  const fragmented = assembler();
  assert.equal(fragmented.assembler.startFrame(false, 0, 0x1, 1), null);
  fragmented.assembler.data(Buffer.from([0xff]));
  assert.deepEqual(fragmented.events, [{ error: 'WS_ERR_INVALID_UTF8' }]);

  const whole = assembler();
  assert.equal(whole.assembler.startFrame(true, 0, 0x1, 2), null);
  whole.assembler.data(Buffer.from([0xc3]));
  assert.deepEqual(whole.events, [], 'a truncated sequence may still complete');
  whole.assembler.data(Buffer.from([0x28]));
  whole.assembler.endFrame(true);
  assert.deepEqual(whole.events, [{ error: 'WS_ERR_INVALID_UTF8' }]);
});
