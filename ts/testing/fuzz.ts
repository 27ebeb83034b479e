/**
 * Differential fuzzing of a user's own header function against our reference (`backend: 'js'`,
 * ts/reference.ts): `trace-lineage fuzz <module>` and `fuzzHeaderFunction()`.
 *
 * Five checks, each a fast-check property with its share of the time budget; a failure is shrunk
 * by fast-check to a minimal input and reported with the seed and path that replay it:
 * - lineage-lost: on a valid header carrying a Lineage, the result does not carry that Lineage
 *   byte for byte (or the function threw);
 * - unknown-field-dropped: a field of a valid header other than Root, Parent, Sampled, Lineage and
 *   our loop field (which a function may rewrite) is missing from the outgoing header;
 * - crlf-accepted: an input with CR or LF in it gives a result that contains CR or LF (header
 *   injection); throwing or returning nothing is a clean rejection;
 * - crash: on any input (hostile: NUL, non-ASCII, lone surrogates, megabytes; the fuzz seeds) the
 *   function throws something other than a clean rejection (a non-Error, or a TypeError,
 *   RangeError, ReferenceError or SyntaxError: the errors of a bug), or returns a wrong type;
 * - super-linear: on a header grown 8× by repeating a piece of it, the time grows more than 32×
 *   (linear is 8×, quadratic 64×), least times of repeated calls, in three measurements in a row,
 *   only when the larger call takes at least a millisecond (below that, timer noise).
 */
import fc from 'fast-check';
import { DEFAULT_LOOP_KEY, TraceHeaderError, parse, type ParsedTraceHeader } from '../index.js';
import { damaged, headerWithLineage, hostileHeader, lineageValue, rootValue, unknownFieldText, wellFormedHeader, wellFormedHeaderParts } from './headers.js';
import { seeds } from './seeds.js';

/** `header`: `(incomingHeader) => outgoingHeader`; `parse`: `(incomingHeader) => { root, parent, sampled, lineage }`. */
export type FuzzShape = 'header' | 'parse';
export type FuzzCheck = 'lineage-lost' | 'unknown-field-dropped' | 'crlf-accepted' | 'crash' | 'super-linear';
export const FUZZ_CHECKS: readonly FuzzCheck[] = ['lineage-lost', 'unknown-field-dropped', 'crlf-accepted', 'crash', 'super-linear'];

export interface FuzzOptions {
  shape?: FuzzShape;
  /** Time budget of the search, seconds (default 10), shared by the checks; shrinking a finding takes at most its check's share again. */
  seconds?: number;
  /** fast-check's seed (default: random); the report gives it, to replay. */
  seed?: number;
  /** Only these checks (default all that apply to the shape). */
  checks?: FuzzCheck[];
  onProgress?: (line: string) => void;
}

export interface FuzzFinding {
  check: FuzzCheck;
  /** What went wrong on the shrunk input. */
  problem: string;
  /** The shrunk input (for super-linear: the smaller of the two timed inputs). */
  input: string;
  /** What the function returned on it (or threw). */
  output: string;
  /** Shrink steps fast-check took to reach `input`. */
  shrinks: number;
  /** `--seed` and fast-check's `path` that replay it. */
  seed: number;
  path: string;
}

export interface FuzzReport {
  shape: FuzzShape;
  seed: number;
  seconds: number;
  checks: Array<{ check: FuzzCheck; status: 'passed' | 'failed' | 'not applicable'; runs: number }>;
  findings: FuzzFinding[];
}

/** A check's verdict on one input: undefined when it holds. */
interface Failure {
  problem: string;
  output: string;
  input?: string;
}
class CheckFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.problem);
  }
}

const BUG_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError];
const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 300 ? `${value.slice(0, 300)}…(${value.length} chars)` : value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
};

type Called = { returned: unknown } | { threw: unknown };
function call(fn: (header: string) => unknown, input: string): Called {
  try {
    return { returned: fn(input) };
  } catch (error) {
    return { threw: error };
  }
}
const thrown = (error: unknown): string => (error instanceof Error ? `threw ${error.name}: ${error.message.split('\n')[0]}` : `threw ${show(error)}`);

/** The reference's reading of a header, or undefined when it rejects it. */
function reference(header: string): ParsedTraceHeader | undefined {
  try {
    return parse(header, { backend: 'js' });
  } catch (error) {
    if (error instanceof TraceHeaderError) return undefined;
    throw error;
  }
}

/** The fields of what a header function returned, read by the reference (leniently). */
function outgoingFields(returned: unknown): Array<[string, string | null]> | undefined {
  if (typeof returned !== 'string' || returned.length === 0) return undefined;
  return reference(returned)?.fields;
}

/** Fields a header function may rewrite (the trace context, and our own loop field); every other one must stay. */
const REWRITABLE = new Set(['root', 'parent', 'sampled', 'lineage', DEFAULT_LOOP_KEY.toLowerCase()]);

/** A valid header with a CR, LF or CRLF inserted somewhere. */
const crlfHeader = fc
  .tuple(wellFormedHeader, fc.constantFrom('\r', '\n', '\r\n', '\r\nX-Injected: 1'), fc.nat())
  .map(([header, cut, at]) => damaged(header, [cut, at]));

/** A header and a piece of it to repeat: the pieces parsers are quadratic on. */
const growth = fc.tuple(
  fc.oneof(
    fc.constantFrom(';', ' ', ';;', ' ;', '=', 'a=b;', 'x', '|', ':', '\t'),
    unknownFieldText.map((field) => `${field};`),
    lineageValue.map((value) => `Lineage=${value};`),
    fc.tuple(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 }), fc.nat(99)).map(([hash, count]) => `${hash}:${count}|`),
  ),
  rootValue.map((root) => `Root=${root};Parent=53995c3f42cd8ad8;Sampled=1;`),
);
const SMALL = 1024;
const GROWTH = 8;
/** Linear is 8× the time, quadratic 64×: over 32× is super-linear. */
const SUPER_LINEAR_RATIO = 32;
const grown = (prefix: string, piece: string, length: number): string => prefix + piece.repeat(Math.ceil((length - prefix.length) / piece.length));

/**
 * The least time of a few calls, ms: at least `minCalls`, more while under `budgetMs` (at most 25).
 * Noise (GC, other processes) only ever adds time, so the minimum is the estimate to compare.
 */
function leastTime(fn: (header: string) => unknown, input: string, minCalls: number, budgetMs: number): number {
  let least = Infinity;
  const started = performance.now();
  for (let calls = 0; calls < 25 && (calls < minCalls || performance.now() - started < budgetMs); calls++) {
    const before = performance.now();
    call(fn, input);
    least = Math.min(least, performance.now() - before);
  }
  return least;
}

/** The time ratio of `large` to `small`, least times each. */
function growthRatio(fn: (header: string) => unknown, small: string, large: string): { ratio: number; smallTime: number; largeTime: number } {
  const smallTime = Math.max(leastTime(fn, small, 10, 5), 0.001);
  const largeTime = leastTime(fn, large, 3, 20);
  return { ratio: largeTime / smallTime, smallTime, largeTime };
}

/** Each check: its inputs, and the verdict on one. */
function checksFor(fn: (header: string) => unknown, shape: FuzzShape): Record<FuzzCheck, { input: fc.Arbitrary<any>; verdict: (input: any) => Failure | undefined } | undefined> {
  const lineageOf = (returned: unknown): string | null | undefined => {
    if (shape === 'parse') {
      const value = (returned as { lineage?: unknown } | null | undefined)?.lineage;
      return typeof value === 'string' ? value : value === null || value === undefined ? null : undefined;
    }
    const fields = outgoingFields(returned);
    if (fields === undefined) return undefined;
    let found: string | null = null;
    for (const [key, value] of fields) if (key.toLowerCase() === 'lineage') found = value;
    return found;
  };
  const seedHeaders = seeds().map((seed) => seed.header);
  return {
    'lineage-lost': {
      input: headerWithLineage,
      verdict(input: string) {
        const expected = reference(input)?.lineage?.value;
        if (expected === undefined) return undefined;
        const result = call(fn, input);
        if ('threw' in result) return { problem: `rejected a valid header with Lineage=${expected}`, output: thrown(result.threw) };
        const actual = lineageOf(result.returned);
        if (actual === expected) return undefined;
        return { problem: actual === null || actual === undefined ? `Lineage=${expected} is gone` : `Lineage=${expected} came out as ${show(actual)}`, output: show(result.returned) };
      },
    },
    'unknown-field-dropped':
      shape === 'parse'
        ? undefined
        : {
            input: wellFormedHeaderParts().filter((parts) => parts.unknownFields.length > 0).map((parts) => parts.header),
            verdict(input: string) {
              const unknown = (reference(input)?.fields ?? []).filter(([key]) => !REWRITABLE.has(key.toLowerCase()));
              if (unknown.length === 0) return undefined;
              const result = call(fn, input);
              if ('threw' in result) return { problem: 'rejected a valid header with unknown fields', output: thrown(result.threw) };
              const fields = outgoingFields(result.returned) ?? [];
              const missing = unknown.filter(([key, value]) => !fields.some(([k, v]) => k === key && v === value));
              if (missing.length === 0) return undefined;
              return { problem: `dropped ${missing.map(([key, value]) => (value === null ? key : `${key}=${value}`)).join(', ')}`, output: show(result.returned) };
            },
          },
    'crlf-accepted': {
      input: crlfHeader,
      verdict(input: string) {
        const result = call(fn, input);
        if ('threw' in result || result.returned === undefined || result.returned === null) return undefined;
        const values = shape === 'parse' ? Object.values(result.returned as object) : [result.returned];
        if (!values.some((value) => typeof value === 'string' && /[\r\n]/.test(value))) return undefined;
        return { problem: 'an input with CR/LF gave a result with CR/LF in it (header injection)', output: show(result.returned) };
      },
    },
    crash: {
      input: fc.oneof({ weight: 8, arbitrary: hostileHeader }, { weight: 1, arbitrary: fc.constantFrom(...seedHeaders) }),
      verdict(input: string) {
        const result = call(fn, input);
        if ('threw' in result) {
          const error = result.threw;
          if (!(error instanceof Error)) return { problem: 'threw a value that is not an Error', output: thrown(error) };
          if (BUG_ERRORS.some((kind) => error instanceof kind)) return { problem: `crashed with a ${error.name}`, output: thrown(error) };
          return undefined;
        }
        const returned = result.returned;
        if (returned === undefined || returned === null) return undefined;
        if (returned instanceof Promise) return { problem: 'returned a Promise: fuzz needs a synchronous function', output: 'Promise' };
        if (shape === 'header' && typeof returned !== 'string') return { problem: `returned a ${typeof returned}, not a string`, output: show(returned) };
        if (shape === 'parse' && typeof returned !== 'object') return { problem: `returned a ${typeof returned}, not an object`, output: show(returned) };
        return undefined;
      },
    },
    'super-linear': {
      input: growth,
      verdict([piece, prefix]: [string, string]) {
        const small = grown(prefix, piece, SMALL);
        const large = grown(prefix, piece, SMALL * GROWTH);
        // Warm both up (the JIT), then compare; a ratio over the bar must hold in three measurements.
        leastTime(fn, small, 10, 2);
        leastTime(fn, large, 2, 5);
        let measured = growthRatio(fn, small, large);
        for (let confirmations = 0; confirmations < 3; confirmations++) {
          if (measured.largeTime < 1 || measured.ratio <= SUPER_LINEAR_RATIO) return undefined;
          if (confirmations < 2) measured = growthRatio(fn, small, large);
        }
        const { ratio, smallTime, largeTime } = measured;
        return {
          problem: `${GROWTH}× the length took ${ratio.toFixed(0)}× the time (${smallTime.toFixed(3)} ms at ${small.length} chars, ${largeTime.toFixed(1)} ms at ${large.length}): repeating ${show(piece)}`,
          output: '',
          input: small,
        };
      },
    },
  };
}

/** Shares of the time budget (super-linear's runs are slow, crash's inputs the most varied). */
const SHARE: Record<FuzzCheck, number> = { 'lineage-lost': 2, 'unknown-field-dropped': 2, 'crlf-accepted': 1.5, crash: 2.5, 'super-linear': 2 };

/** Fuzz `fn` against the reference; see the module's doc for the checks. */
export function fuzzHeaderFunction(fn: (header: string) => unknown, options: FuzzOptions = {}): FuzzReport {
  if (typeof fn !== 'function') throw new TypeError('fuzzHeaderFunction needs a function');
  const shape = options.shape ?? 'header';
  const seconds = options.seconds ?? 10;
  if (!(seconds > 0)) throw new RangeError(`seconds must be positive, got ${seconds}`);
  const seed = options.seed ?? (Math.random() * 2 ** 31) | 0;
  const say = options.onProgress ?? (() => {});
  const all = checksFor(fn, shape);
  const wanted = FUZZ_CHECKS.filter((check) => options.checks === undefined || options.checks.includes(check));
  const applicable = wanted.filter((check) => all[check] !== undefined);
  const total = applicable.reduce((sum, check) => sum + SHARE[check], 0);
  const report: FuzzReport = { shape, seed, seconds, checks: [], findings: [] };
  for (const check of wanted) {
    const spec = all[check];
    if (spec === undefined) {
      report.checks.push({ check, status: 'not applicable', runs: 0 });
      continue;
    }
    const budgetMs = (seconds * 1000 * SHARE[check]) / total;
    say(`${check}: ${(budgetMs / 1000).toFixed(1)} s`);
    let last: Failure | undefined;
    const property = fc.property(spec.input, (input) => {
      const failure = spec.verdict(input);
      if (failure !== undefined) {
        last = failure;
        throw new CheckFailed(failure);
      }
    });
    let details = fc.check(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budgetMs });
    let shrinks = details.numShrinks;
    // The budget ran out while shrinking: go on from where it stopped, for as long again.
    if (details.failed && details.interrupted && details.counterexamplePath !== null) {
      const resumed = fc.check(property, { seed, path: details.counterexamplePath, interruptAfterTimeLimit: budgetMs });
      if (resumed.failed) {
        shrinks += resumed.numShrinks;
        details = resumed;
      }
    }
    const failed = details.failed && details.counterexample !== null;
    report.checks.push({ check, status: failed ? 'failed' : 'passed', runs: details.numRuns });
    if (failed) {
      const [input] = details.counterexample as [unknown];
      // The verdict on the shrunk input itself (the last failing run is the shrunk one).
      const failure = (details.errorInstance as CheckFailed | undefined)?.failure ?? last!;
      report.findings.push({
        check,
        problem: failure.problem,
        input: failure.input ?? (typeof input === 'string' ? input : JSON.stringify(input)),
        output: failure.output,
        shrinks,
        seed: details.seed,
        path: details.counterexamplePath ?? '',
      });
    }
  }
  return report;
}

/** The report as text: one line per check, then each finding with its shrunk input. */
export function formatFuzzReport(report: FuzzReport, subject: string): string {
  let out = `fuzz ${subject} (shape ${report.shape}, ${report.seconds} s, --seed ${report.seed}):\n`;
  for (const { check, status, runs } of report.checks) out += `  ${status === 'failed' ? 'FAIL' : status === 'passed' ? 'ok  ' : 'n/a '} ${check.padEnd(22)} ${runs} runs\n`;
  for (const finding of report.findings) {
    out += `\n${finding.check}: ${finding.problem}\n  input  (shrunk, ${finding.shrinks} steps): ${show(finding.input)}\n`;
    if (finding.output !== '') out += `  output: ${finding.output}\n`;
    out += `  replay: --seed ${finding.seed} (fast-check path ${finding.path})\n`;
  }
  if (report.findings.length === 0) out += 'no findings\n';
  return out;
}
