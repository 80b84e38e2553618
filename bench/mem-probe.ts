/**
 * Loaded into a server with `node --import build/bench/mem-probe.js`: on SIGUSR2 it appends one
 * JSON line to $MEM_PROBE_FILE with `process.memoryUsage()` and V8's heap spaces, for
 * `bench/mem-breakdown.ts`. With $MEM_PROBE_GC set (and --expose-gc), every sample but the first
 * follows a full garbage collection. With $MEM_PROBE_ALLOC set, V8's sampling heap profiler runs
 * from the first sample to the second, counting what was collected too, and the second sample
 * carries the bytes allocated by each function (self, as sampled).
 */
import { appendFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { getHeapSpaceStatistics } from 'node:v8';

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const file = process.env.MEM_PROBE_FILE;
const session = process.env.MEM_PROBE_ALLOC === undefined ? null : new Session();
let samples = 0;

function write(alloc?: Record<string, number>): void {
  const spaces: Record<string, { committed: number; used: number }> = {};
  for (const s of getHeapSpaceStatistics()) {
    spaces[s.space_name] = { committed: s.space_size, used: s.space_used_size };
  }
  const sample = { memory: process.memoryUsage(), spaces, alloc };
  appendFileSync(file!, `${JSON.stringify(sample)}\n`);
}

/** Self bytes per function, keyed `name file:line`. */
function bySelf(node: ProfileNode, out: Record<string, number> = {}): Record<string, number> {
  const { functionName, url, lineNumber } = node.callFrame;
  const key = `${functionName || '(anonymous)'} ${url.replace(/.*\//, '')}:${lineNumber + 1}`;
  if (node.selfSize > 0) out[key] = (out[key] ?? 0) + node.selfSize;
  for (const child of node.children) bySelf(child, out);
  return out;
}

if (file !== undefined) {
  session?.connect();
  process.on('SIGUSR2', () => {
    const collect = (globalThis as { gc?: () => void }).gc;
    if (process.env.MEM_PROBE_GC !== undefined && samples > 0) collect?.();
    samples++;
    if (session !== null && samples === 1) {
      session.post('HeapProfiler.startSampling', {
        samplingInterval: 256,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
    } else if (session !== null && samples === 2) {
      session.post('HeapProfiler.stopSampling', (error, result) => {
        write(error === null ? bySelf(result.profile.head as ProfileNode) : {});
      });
      return;
    }
    write();
  });
}
