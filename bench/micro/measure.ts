/**
 * The timing harness: two subjects doing the same work, warmed up, then run in interleaved
 * repetitions (wskit, ws, wskit, ws, ...). On a noisy machine absolute figures drift between
 * repetitions, so each repetition gives a ratio of the pair run back to back, and the median ratio
 * is the result.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One side of a comparison. */
export interface Subject {
  /** Runs one pass of the workload; returns the nanoseconds of its timed region only. */
  pass(): number;
}

export interface Settings {
  reps: number;
  /** Timed milliseconds aimed at per repetition. */
  repMs: number;
  /** Timed milliseconds of warm-up per subject. */
  warmupMs: number;
}

export interface Throughput {
  framesPerSecond: number;
  /** Payload megabytes (10^6 bytes) per second. */
  megabytesPerSecond: number;
}

export interface Comparison {
  wskit: Throughput;
  ws: Throughput;
  /** Median over repetitions of wskit's throughput divided by ws's in the same repetition. */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

// A collection before each repetition so that neither side pays for the other's garbage, then a
// pause: V8 sweeps and frees array buffers on background threads, which on a 2-core machine would
// otherwise compete with the repetition that follows.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const pause = new Int32Array(new SharedArrayBuffer(4));
const SETTLE_MS = 10;

function collectGarbage(): void {
  gc();
  Atomics.wait(pause, 0, 0, SETTLE_MS);
}

export function now(): number {
  return Number(process.hrtime.bigint());
}

/** Compares two subjects whose passes each handle `frames` frames carrying `bytes` payload bytes. */
export function compare(
  wskit: Subject,
  ws: Subject,
  frames: number,
  bytes: number,
  settings: Settings,
): Comparison {
  const passesWskit = passesPerRep(wskit, settings);
  const passesWs = passesPerRep(ws, settings);
  const wskitRates: number[] = [];
  const wsRates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < settings.reps; r++) {
    const a = rate(wskit, passesWskit, frames);
    const b = rate(ws, passesWs, frames);
    wskitRates.push(a);
    wsRates.push(b);
    ratios.push(a / b);
  }
  const throughput = (rates: number[]): Throughput => {
    const framesPerSecond = median(rates);
    return { framesPerSecond, megabytesPerSecond: (framesPerSecond * bytes) / frames / 1e6 };
  };
  return {
    wskit: throughput(wskitRates),
    ws: throughput(wsRates),
    ratio: median(ratios),
    ratioMin: Math.min(...ratios),
    ratioMax: Math.max(...ratios),
  };
}

/** Warms a subject up and returns how many passes fill a repetition. */
function passesPerRep(subject: Subject, settings: Settings): number {
  const budget = settings.warmupMs * 1e6;
  let spent = 0;
  let last = 0;
  // The first passes run unoptimised code; the last one measures the steady state.
  for (let n = 0; n < 3 || spent < budget; n++) {
    last = subject.pass();
    spent += last;
  }
  return Math.max(1, Math.round((settings.repMs * 1e6) / last));
}

/** Frames per second over `passes` passes. */
function rate(subject: Subject, passes: number, frames: number): number {
  collectGarbage();
  let ns = 0;
  for (let i = 0; i < passes; i++) ns += subject.pass();
  return (passes * frames) / (ns / 1e9);
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >>> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
