/**
 * When held writes leave. Two moments, each served by one callback for every socket (a publish
 * to 10,000 sockets, or a poll phase that read 64 of them, schedules one callback, not one per
 * socket):
 *
 * - the end of the poll phase, for what reads caused. libuv reads a ready socket up to 32 times
 *   in a row and every ready socket in one poll phase; the check phase (`setImmediate`) follows.
 *   Replies held until then leave as one write or writev per socket, after every socket of the
 *   phase has been read: a socket read four times writes once, and the peers see the replies of
 *   one phase together (as Netty's flush consolidation and uWebSockets' cork per loop iteration
 *   do). A reply waits at most for the rest of the phase's reads, and only under load: a phase
 *   that read one socket writes right after it.
 * - the end of the turn (`nextTick`), for writes made outside a read: a timer's, a publish's.
 *
 * A socket holds at most `HOLD_LIMIT` bytes: past it, what it holds leaves at once, so that a
 * phase of large replies neither waits long nor piles up in memory.
 */

/**
 * Held bytes past which a socket writes at once: four reads' worth (libuv reads 64 KiB at a
 * time). One writev of this size already makes its system call cheap beside the copy.
 */
export const HOLD_LIMIT = 256 * 1024;

/** A transport that holds writes until one of the two moments. */
export interface BatchedWriter {
  /** The poll phase in which it read has ended. */
  endReads(): void;
  /** The turn in which it wrote outside a read has ended. */
  endTurn(): void;
}

const readers: BatchedWriter[] = [];
const writers: BatchedWriter[] = [];

function endReads(): void {
  // A reader added while this runs (a read from within a listener) is served too.
  for (let i = 0; i < readers.length; i++) readers[i]!.endReads();
  readers.length = 0;
}

function endTurn(): void {
  // A writer added while this runs (a write from a write callback) is served too.
  for (let i = 0; i < writers.length; i++) writers[i]!.endTurn();
  writers.length = 0;
}

/** `writer.endReads()` runs once this poll phase ends. Call once per phase and writer. */
export function atEndOfReads(writer: BatchedWriter): void {
  if (readers.push(writer) === 1) setImmediate(endReads);
}

/** `writer.endTurn()` runs once this turn ends. Call once per turn and writer. */
export function atEndOfTurn(writer: BatchedWriter): void {
  if (writers.push(writer) === 1) process.nextTick(endTurn);
}
