/**
 * `trace-lineage/bench`: the benchmark users run where their code runs (`npx trace-lineage bench`,
 * or `runBench()` from a deployed handler), and the parts the repository's `npm run bench` shares
 * with it: the corpus, the answer checks, the harness.
 */
import { createRequire } from 'node:module';
import { arch, cpus, platform, totalmem } from 'node:os';
import { backendName, loadFailures, type BackendChoice, type BackendName } from '../index.js';
import { CORPUS, VARIANTS } from './corpus.js';
import { BACKEND_NOTES, checkAnswers, loadPeers, ours, type Contender } from './contenders.js';
import { blackhole, measure, type Operation } from './harness.js';

export * from './corpus.js';
export * from './contenders.js';
export * from './harness.js';

export type BenchOperation = 'parse' | 'hot';

export interface BenchOptions {
  /** Total time budget for the timings, seconds (default 2, at most 60). Loading and checking come on top (well under a second). */
  seconds?: number;
  /** Our backends to measure (default: `auto` and each of native, wasm, js that loads here). */
  backends?: BackendChoice[];
  /** Include the peers installed next to trace-lineage (default true). */
  peers?: boolean;
  /** Operations to time (default both: `parse`, and `hot` = enter + outgoing header). */
  operations?: BenchOperation[];
  /** Corpus headers to time, by name (default all; see the report's `corpus`). */
  headers?: string[];
  /** Called with a line of progress now and then (the CLI prints it on stderr). */
  onProgress?: (line: string) => void;
}

export interface BenchResult {
  contender: string;
  group: 'ours' | 'peer';
  op: BenchOperation;
  header: string;
  /** ns per call. */
  p50Ns: number;
  p99Ns: number;
  /** Calls per second at the median. */
  callsPerSecond: number;
  samples: number;
  /** Calls per sample. */
  inner: number;
}

export interface BenchReport {
  package: { name: string; version: string };
  date: string;
  machine: {
    cpu: string;
    cores: number;
    memoryGiB: number;
    os: string;
    node: string;
    v8: string;
    /** Set inside AWS Lambda. */
    lambda?: { functionName: string; memoryMB?: string; runtime?: string };
  };
  backends: {
    /** The backend `auto` picks here (what `parse`/`LoopGuard` use by default). */
    auto: BackendName;
    /** TRACE_LINEAGE_BACKEND, when set (it overrides `auto` for calls without a backend option). */
    environment?: string;
    /** Our backends that loaded and were measured. */
    measured: BackendChoice[];
    /** Why each backend that did not load did not (`loadFailures()`). */
    notLoaded: Partial<Record<BackendName, string>>;
  };
  peers: Array<{ name: string; status: 'measured' | 'not found'; detail?: string }>;
  corpus: Array<{ name: string; description: string; bytes: number }>;
  /** Every answer of every contender on every variant was checked before timing: how many. */
  checkedAnswers: number;
  settings: { seconds: number; perCaseMs: number; warmupMs: number; variants: number };
  results: BenchResult[];
  /** Wall time of the whole run, seconds. */
  elapsedSeconds: number;
  /** A checksum of every consumed answer (keeps the work observable). */
  checksum: number;
}

/** The longest `seconds` a bench may run for. */
export const MAX_BENCH_SECONDS = 60;
const ALL_BACKENDS: BackendName[] = ['native', 'wasm', 'js'];

function packageInfo(): { name: string; version: string } {
  try {
    const { name, version } = createRequire(import.meta.url)('trace-lineage/package.json') as { name: string; version: string };
    return { name, version };
  } catch {
    return { name: 'trace-lineage', version: 'unknown' };
  }
}

/** The machine a report was measured on (and the Lambda function, inside one). */
export function machine(): BenchReport['machine'] {
  const env = typeof process !== 'undefined' ? process.env : {};
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${platform()}-${arch()}`,
    node: process.version,
    v8: process.versions.v8,
    ...(env.AWS_LAMBDA_FUNCTION_NAME === undefined
      ? {}
      : { lambda: { functionName: env.AWS_LAMBDA_FUNCTION_NAME, memoryMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, runtime: env.AWS_EXECUTION_ENV } }),
  };
}

/** Our contender on `backend`, or the reason it did not load. */
function tryOurs(backend: BackendChoice): Contender | Error {
  try {
    const contender = ours(backend, BACKEND_NOTES[backend]);
    contender.hot(CORPUS[0].variants[0].header);
    return contender;
  } catch (error) {
    return error as Error;
  }
}

/**
 * Measure, here, what each backend (and each installed peer) costs per call on the corpus:
 * parse, and the hot path (enter + outgoing header), p50/p99 and calls per second. Every answer
 * is checked first; a wrong one throws. Bounded: `seconds` (default 2) of timings.
 */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const started = performance.now();
  const seconds = options.seconds ?? 2;
  if (!(seconds > 0 && seconds <= MAX_BENCH_SECONDS)) throw new RangeError(`seconds must be in (0, ${MAX_BENCH_SECONDS}], got ${seconds}`);
  const say = options.onProgress ?? (() => {});
  const operations = options.operations ?? ['parse', 'hot'];
  const shapes = options.headers === undefined ? CORPUS : CORPUS.filter((shape) => options.headers!.includes(shape.name));
  const unknown = options.headers?.filter((name) => !CORPUS.some((shape) => shape.name === name)) ?? [];
  if (unknown.length > 0 || shapes.length === 0) throw new RangeError(`unknown corpus header(s): ${unknown.join(', ') || '(none given)'}; known: ${CORPUS.map((s) => s.name).join(', ')}`);

  // Our backends: an explicitly requested one must load; by default each that loads.
  const requested = options.backends ?? (['auto', ...ALL_BACKENDS] as BackendChoice[]);
  const contenders: Contender[] = [];
  const measuredBackends: BackendChoice[] = [];
  for (const backend of requested) {
    const loaded = tryOurs(backend);
    if (loaded instanceof Error) {
      if (options.backends !== undefined) throw loaded;
      continue;
    }
    contenders.push(loaded);
    measuredBackends.push(backend);
  }
  const notLoaded = Object.fromEntries(Object.entries(loadFailures()).map(([name, error]) => [name, error!.message])) as BenchReport['backends']['notLoaded'];
  const peers: BenchReport['peers'] = [];
  if (options.peers ?? true) {
    for (const peer of await loadPeers()) {
      if ('contender' in peer) {
        contenders.push(peer.contender);
        peers.push({ name: peer.name, status: 'measured' });
      } else {
        peers.push({ name: peer.name, status: 'not found', detail: peer.notFound });
      }
    }
  }

  let checkedAnswers = 0;
  for (const contender of contenders) checkedAnswers += checkAnswers(contender, shapes);
  say(`checked ${checkedAnswers} answers of ${contenders.length} contenders on ${shapes.length} headers × ${VARIANTS} variants`);

  interface Case {
    contender: Contender;
    op: BenchOperation;
    header: string;
    run: Operation;
  }
  const cases: Case[] = [];
  for (const shape of shapes) {
    const headers = shape.variants.map((variant) => variant.header);
    const pick = (input: number): string => headers[input % headers.length];
    for (const contender of contenders) {
      for (const op of operations) {
        const call = op === 'parse' ? contender.parse : contender.hot;
        cases.push({ contender, op, header: shape.name, run: (input) => call(pick(input)) });
      }
    }
  }
  // A fifth of each case's share warms it up, the rest is sampled.
  const perCaseMs = (seconds * 1000) / cases.length;
  const settings = { time: perCaseMs * 0.8, warmup: perCaseMs * 0.2 };
  const results: BenchResult[] = [];
  cases.forEach((c, i) => {
    if (i % Math.max(1, Math.floor(cases.length / 10)) === 0) say(`timing ${i + 1}/${cases.length}: ${c.contender.name} ${c.op} ${c.header}`);
    const timing = measure(c.run, settings);
    results.push({
      contender: c.contender.name,
      group: c.contender.group,
      op: c.op,
      header: c.header,
      p50Ns: timing.p50,
      p99Ns: timing.p99,
      callsPerSecond: timing.callsPerSecond,
      samples: timing.samples,
      inner: timing.inner,
    });
  });
  const environment = typeof process !== 'undefined' ? process.env.TRACE_LINEAGE_BACKEND : undefined;
  return {
    package: packageInfo(),
    date: new Date().toISOString(),
    machine: machine(),
    backends: { auto: backendName({ backend: 'auto' }), ...(environment === undefined ? {} : { environment }), measured: measuredBackends, notLoaded },
    peers,
    corpus: shapes.map((shape) => ({ name: shape.name, description: shape.description, bytes: shape.variants[0].header.length })),
    checkedAnswers,
    settings: { seconds, perCaseMs, warmupMs: settings.warmup, variants: VARIANTS },
    results,
    elapsedSeconds: (performance.now() - started) / 1000,
    checksum: blackhole() & 0xffff,
  };
}

const ns = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(value >= 10000 ? 0 : 1)} µs` : `${value.toFixed(value >= 100 ? 0 : 1)} ns`);
const rate = (value: number): string => (value >= 1e6 ? `${(value / 1e6).toFixed(1)} M/s` : `${(value / 1e3).toFixed(0)} k/s`);

/** The report as text: the machine, the backends, then one table per operation. */
export function formatReport(report: BenchReport): string {
  const m = report.machine;
  let out = `${report.package.name} ${report.package.version} bench: ${m.cpu} × ${m.cores}, ${m.os}, Node ${m.node}${m.lambda ? `, Lambda ${m.lambda.functionName} (${m.lambda.memoryMB ?? '?'} MB)` : ''}\n`;
  out += `auto picks: ${report.backends.auto}${report.backends.environment ? ` (TRACE_LINEAGE_BACKEND=${report.backends.environment} overrides it for calls without a backend option)` : ''}\n`;
  for (const [name, reason] of Object.entries(report.backends.notLoaded)) out += `not loaded: ${name}: ${reason}\n`;
  for (const peer of report.peers) out += `peer ${peer.name}: ${peer.status}${peer.detail ? ` (${peer.detail})` : ''}\n`;
  out += `answers checked before timing: ${report.checkedAnswers}; ${report.settings.seconds} s of timings, ${report.settings.perCaseMs.toFixed(1)} ms per case\n`;
  const contenders = [...new Set(report.results.map((r) => r.contender))];
  for (const op of [...new Set(report.results.map((r) => r.op))]) {
    out += `\n${op === 'hot' ? 'hot path (enter + outgoing header)' : 'parse'}: p50 / p99 per call, calls/s at p50\n`;
    const width = Math.max(...contenders.map((c) => c.length));
    out += `${'header'.padEnd(12)}  ${contenders.map((c) => c.padStart(Math.max(width, 24))).join('  ')}\n`;
    for (const shape of report.corpus) {
      const cells = contenders.map((contender) => {
        const r = report.results.find((x) => x.op === op && x.header === shape.name && x.contender === contender);
        return (r === undefined ? '-' : `${ns(r.p50Ns)} / ${ns(r.p99Ns)}, ${rate(r.callsPerSecond)}`).padStart(Math.max(width, 24));
      });
      out += `${shape.name.padEnd(12)}  ${cells.join('  ')}\n`;
    }
  }
  return out;
}
