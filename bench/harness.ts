/**
 * Timing for `npm run bench`: the shipped harness (ts/bench/harness.ts, the one `trace-lineage
 * bench` and `runBench` use: performance.now(), calibrated samples of about 20 µs, warm-up, p50
 * and p99 of the samples), with benchmark.js timing the same functions as a cross-check.
 */
import { createRequire } from 'node:module';
import { consume, measure as measureOne, type Operation, type Timing } from '../ts/bench/harness.js';

export { blackhole, type Operation, type Timing } from '../ts/bench/harness.js';

export interface Settings {
  /** Sampling time and warm-up per case, ms. */
  time: number;
  warmup: number;
  /** benchmark.js maximum time per case, s. */
  crossCheckTime: number;
}

/** Cases run one after another, each with the shared harness. */
export function measure(operations: Operation[], settings: Settings): Timing[] {
  return operations.map((operation) => measureOne(operation, settings));
}

interface BenchmarkJs {
  stats: { mean: number; sample: number[] };
  run(): void;
}
type BenchmarkConstructor = new (name: string, fn: () => void, options: { maxTime: number; minSamples: number }) => BenchmarkJs;
const Benchmark = createRequire(import.meta.url)('benchmark') as BenchmarkConstructor;

let sink = 0;
/** benchmark.js: ns per operation (its mean, one call per iteration). */
export function crossCheck(operation: Operation, settings: Settings): number {
  let input = 0;
  const benchmark = new Benchmark('case', () => void (sink ^= consume(operation(input++))), { maxTime: settings.crossCheckTime, minSamples: 5 });
  benchmark.run();
  return benchmark.stats.mean * 1e9;
}
