import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ChunkList } from '../../src/protocol/chunk-list.js';
import { bytesOfLength, cuts } from '../helpers/arbitraries.js';

test('§5.4: a message of known length, in any split, is joined to itself', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 5000 }).chain((n) => bytesOfLength(n)),
      fc.array(fc.nat(), { maxLength: 60 }),
      (bytes, points) => {
        const list = new ChunkList();
        list.expect(bytes.length);
        for (const chunk of cuts(bytes, points)) list.push(Buffer.from(chunk));
        assert.equal(list.length, bytes.length);
        assert.ok(list.take().equals(bytes));
      },
    ),
    { numRuns: 200 },
  );
});
