/**
 * The echo server of `bench/servers/echo-server.ts`, for `bench/idle-soak.sh --gc`: on SIGUSR2
 * it runs a full garbage collection and prints one line, `heap USED EXTERNAL RSS` in bytes, so
 * that a soak can tell live memory that grows (a leak) from garbage and allocator drift.
 * Needs `node --expose-gc`.
 */
import './echo-server.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

process.on('SIGUSR2', () => {
  gc();
  const { heapUsed, external, rss } = process.memoryUsage();
  process.stdout.write(`heap ${heapUsed} ${external} ${rss}\n`);
});
