/**
 * Timing: tinybench is the main harness, benchmark.js times the same functions as a cross-check.
 *
 * Each sample runs `inner` calls (calibrated so that a sample takes about 20 µs: a single
 * sub-microsecond call is below the timer's resolution), each on the next of the corpus
 * variants, and consumes every answer inside the timed loop: a string's last character is read,
 * which flattens a rope (V8 builds concatenations lazily) so that no contender's cost is deferred
 * past the timer. ns/op p50 and p99 are those of the samples, divided by `inner`.
 */
import { createRequire } from 'node:module';
import { Bench } from 'tinybench';
import type { View } from './contenders.js';

/** A timed operation: one call on one input. */
export type Operation = (input: number) => View;

export interface Timing {
  /** ns per operation: median and 99th percentile of the samples. */
  p50: number;
  p99: number;
  samples: number;
  inner: number;
}

export interface Settings {
  /** tinybench time and warm-up per case, ms. */
  time: number;
  warmup: number;
  /** benchmark.js maximum time per case, s. */
  crossCheckTime: number;
}

let sink = 0;
/** Read what an answer holds: every string's last character, every number. */
export function consume(view: View): number {
  let sum = 0;
  for (const value of view) {
    if (typeof value === 'string') sum += value.length === 0 ? 1 : value.charCodeAt(value.length - 1);
    else if (typeof value === 'number') sum += value;
  }
  return sum;
}

/** How many calls make a sample of about 20 µs. */
function calibrate(operation: Operation): number {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < 2) sink ^= consume(operation(calls++));
  const perCall = (performance.now() - started) / calls;
  return Math.max(1, Math.min(1000, Math.round(0.02 / perCall)));
}

const timed = (operation: Operation, inner: number) => {
  let input = 0;
  return (): void => {
    let sum = 0;
    for (let i = 0; i < inner; i++) sum += consume(operation(input++));
    sink ^= sum;
  };
};

/** tinybench, over cases run one after another. */
export async function measure(operations: Operation[], settings: Settings): Promise<Timing[]> {
  const bench = new Bench({ time: settings.time, warmupTime: settings.warmup, throws: true });
  const inners = operations.map(calibrate);
  operations.forEach((operation, i) => bench.add(String(i), timed(operation, inners[i])));
  await bench.run();
  return bench.tasks.map((task, i) => {
    const latency = task.result.state === 'completed' ? task.result.latency : undefined;
    if (latency === undefined) throw new Error(`case ${i} did not complete: ${task.result.state}`);
    // tinybench reports milliseconds per sample.
    return { p50: (latency.p50 * 1e6) / inners[i], p99: (latency.p99 * 1e6) / inners[i], samples: latency.samplesCount, inner: inners[i] };
  });
}

interface BenchmarkJs {
  stats: { mean: number; sample: number[] };
  run(): void;
}
type BenchmarkConstructor = new (name: string, fn: () => void, options: { maxTime: number; minSamples: number }) => BenchmarkJs;
const Benchmark = createRequire(import.meta.url)('benchmark') as BenchmarkConstructor;

/** benchmark.js: ns per operation (its mean, one call per iteration). */
export function crossCheck(operation: Operation, settings: Settings): number {
  const benchmark = new Benchmark('case', timed(operation, 1), { maxTime: settings.crossCheckTime, minSamples: 5 });
  benchmark.run();
  return benchmark.stats.mean * 1e9;
}

/** Keep the consumed answers observable, so that no engine may drop the work. */
export const blackhole = (): number => sink;
