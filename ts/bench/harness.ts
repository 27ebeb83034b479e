/**
 * The timing harness of `trace-lineage bench`, `runBench` and the repository's `npm run bench`:
 * performance.now() and nothing else (no benchmark library to install next to a deployment).
 *
 * A case is calibrated so that one sample runs `inner` calls and takes about 20 µs (a single
 * sub-microsecond call is below the timer's resolution), each call on the next corpus variant;
 * it is warmed up (the JIT compiles it), then sampled until its time is spent. Every answer is
 * consumed inside the timed loop: a string's last character is read, which flattens a rope (V8
 * builds concatenations lazily), so that no contender's cost is deferred past the timer. p50 and
 * p99 are those of the samples, divided by `inner`.
 */

/** What an operation returns: a small view of its answer, strings and numbers only. */
export type View = ReadonlyArray<string | number | null | undefined>;
/** A timed operation: one call on input number `input` (the harness counts them up). */
export type Operation = (input: number) => View;

export interface Timing {
  /** ns per operation: median and 99th percentile of the samples. */
  p50: number;
  p99: number;
  /** Operations per second at the median. */
  callsPerSecond: number;
  samples: number;
  inner: number;
}

export interface MeasureSettings {
  /** Sampling time per case, ms. */
  time: number;
  /** Warm-up per case (not sampled), ms. */
  warmup: number;
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

/** A sample's target duration, ms. */
const SAMPLE_MS = 0.02;

/** How many calls make a sample of about SAMPLE_MS, measured over `forMs`. */
function calibrate(operation: Operation, forMs: number): number {
  const started = performance.now();
  let calls = 0;
  while (performance.now() - started < forMs) sink ^= consume(operation(calls++));
  const perCall = (performance.now() - started) / calls;
  return Math.max(1, Math.min(1000, Math.round(SAMPLE_MS / perCall)));
}

/** The value at quantile `q` of sorted `values` (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error('no samples');
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** Times one operation: calibrate, warm up, then samples of `inner` calls until `settings.time` is spent. */
export function measure(operation: Operation, settings: MeasureSettings): Timing {
  const inner = calibrate(operation, Math.min(2, Math.max(0.2, settings.warmup / 2)));
  let input = 0;
  const warmupEnd = performance.now() + settings.warmup;
  while (performance.now() < warmupEnd) {
    let sum = 0;
    for (let i = 0; i < inner; i++) sum += consume(operation(input++));
    sink ^= sum;
  }
  const samples: number[] = [];
  const end = performance.now() + settings.time;
  // At least 10 samples, so that a p99 means something even on a tiny budget.
  while (samples.length < 10 || performance.now() < end) {
    let sum = 0;
    const started = performance.now();
    for (let i = 0; i < inner; i++) sum += consume(operation(input++));
    samples.push(performance.now() - started);
    sink ^= sum;
  }
  samples.sort((a, b) => a - b);
  const p50 = (quantile(samples, 0.5) * 1e6) / inner;
  return { p50, p99: (quantile(samples, 0.99) * 1e6) / inner, callsPerSecond: p50 > 0 ? 1e9 / p50 : Infinity, samples: samples.length, inner };
}

/** Keep the consumed answers observable, so that no engine may drop the work. */
export const blackhole = (): number => sink;
