/**
 * The public API, the same over every backend. Entry points (`index.ts` for Node, `browser.ts`
 * for browsers and workers) register which backends they can load, then re-export this.
 */
import { selectBackend, type Backend, type BackendChoice, type BackendName } from './backend.js';
import type { CounterOptions } from './backends/types.js';
import { E_INVALID_OPTION, E_INVALID_VALUE, E_OK } from './codes.js';
import { TraceHeaderError } from './errors.js';
import {
  B_COUNT,
  B_DROPPED,
  B_EVICTED,
  B_IS_LOOP,
  B_OFFSET,
  B_STATUS,
  BATCH_SLOTS,
  DEFAULT_LOOP_KEY,
  S_OFFSET,
  S_STATUS,
  SPLICE_RECORD_LENGTH,
  decodeLineage,
  decodeParse,
  recordCapacity,
  type LineageAccessor,
  type ParseOptions,
  type ParsedTraceHeader,
  type ResolvedOptions,
} from './record.js';
import {
  applySplice,
  formatHeader as formatReference,
  hashHex,
  percentEncodeEnv,
  resourceHash as referenceHash,
  setFieldInto,
  validateLineageInto,
  type HeaderParts,
} from './reference.js';

export { TraceHeaderError } from './errors.js';
export { loadFailures, type BackendChoice, type BackendName } from './backend.js';
export { DIAGNOSTIC_NAMES, ERROR_NAMES, REASON_NAMES } from './codes.js';
export type { DiagnosticName, ErrorName, LineageFormat, ReasonName } from './codes.js';
export type {
  Accessor,
  Diagnostic,
  LineageAccessor,
  LineageEntry,
  LoopAccessor,
  ParseOptions,
  ParsedTraceHeader,
} from './record.js';
export type { HeaderParts } from './reference.js';
export { percentEncodeEnv };

export const DEFAULT_MAX_LENGTH = 8192;
export const DEFAULT_MAX_FIELDS = 64;
export const DEFAULT_THRESHOLD = 16;
export const DEFAULT_MAX_ENTRIES = 8;
export { DEFAULT_LOOP_KEY };

/** Options of every call: the parse limits, the loop key, and which backend runs it. */
export interface Options extends ParseOptions {
  /** `auto` (default: native, else wasm, else js), or force one; see also TRACE_LINEAGE_BACKEND. */
  backend?: BackendChoice;
}

const KNOWN_KEYS = ['root', 'parent', 'sampled', 'self', 'lineage'];

function invalidOption(detail: string): TraceHeaderError {
  return new TraceHeaderError(E_INVALID_OPTION, 0, detail);
}

function integerIn(value: number | undefined, fallback: number, min: number, max: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidOption(`${name} must be an integer in ${min}..${max}, got ${value}`);
  }
  return value;
}

const DEFAULTS: ResolvedOptions = { maxLength: DEFAULT_MAX_LENGTH, maxFields: DEFAULT_MAX_FIELDS, loopKey: DEFAULT_LOOP_KEY };

function resolve(options: ParseOptions | undefined): ResolvedOptions {
  if (options === undefined || (options.maxLength === undefined && options.maxFields === undefined && options.loopKey === undefined)) {
    return DEFAULTS;
  }
  const loopKey = options.loopKey ?? DEFAULT_LOOP_KEY;
  if (!/^[!-:<>-~]+$/.test(loopKey) || KNOWN_KEYS.includes(loopKey.toLowerCase())) {
    throw invalidOption(`loopKey must be a token (visible ASCII without ; and =) other than a known key, got ${JSON.stringify(loopKey)}`);
  }
  return {
    maxLength: integerIn(options.maxLength, DEFAULT_MAX_LENGTH, 1, 1 << 24, 'maxLength'),
    maxFields: integerIn(options.maxFields, DEFAULT_MAX_FIELDS, 1, 4096, 'maxFields'),
    loopKey,
  };
}

let autoBackend: Backend | undefined;
function backendFor(options: Options | undefined): Backend {
  if (options?.backend !== undefined) return selectBackend(options.backend);
  autoBackend ??= selectBackend();
  return autoBackend;
}

function requireString(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name} must be a string, got ${typeof value}`);
  return value;
}

/**
 * Arguments that `maxLength` does not bound (a bare Lineage value, a resource id, a setter's key
 * and value) are answered by the reference, in memory of their own, when they are longer than
 * this (or, for a setter, than `maxLength`: such a rewrite can only fail). The native and WASM
 * backends copy their input into grow-only buffers, and a WASM instance's memory never shrinks:
 * one huge argument would keep them huge for the life of the process. The answer is the same:
 * the reference is the spec every backend is held to.
 */
const LARGE_ARGUMENT = 1 << 16;

/** A record for one call of the reference, freed with it. */
const oneOffRecord = (length: number, maxFields: number): Uint32Array =>
  new Uint32Array(Math.max(recordCapacity(length, maxFields), SPLICE_RECORD_LENGTH));

/** Throw the record's error, if any (S_STATUS and S_OFFSET are B_STATUS and B_OFFSET of a single enter). */
function check(record: Uint32Array): void {
  if (record[S_STATUS] !== E_OK) throw new TraceHeaderError(record[S_STATUS], record[S_OFFSET]);
}

/** Which backend calls with these options run on. */
export function backendName(options?: Options): BackendName {
  return backendFor(options).name;
}

/**
 * Parse a trace header. Lenient: whitespace, empty fields, a trailing `;`, fields without `=`
 * are kept and listed in `diagnostics`. Throws `TraceHeaderError` only for an empty header, one
 * longer than `maxLength`, a byte outside visible ASCII/space/tab, or more than `maxFields`.
 */
export function parse(header: string, options?: Options): ParsedTraceHeader {
  requireString(header, 'header');
  const record = backendFor(options).parse(header, resolve(options));
  check(record);
  return decodeParse(header, record);
}

/** Validate a bare `Lineage` value (V1 entries, V2 triple, or opaque). */
export function validateLineage(value: string, options?: Options): LineageAccessor {
  requireString(value, 'value');
  const backend = backendFor(options);
  let record: Uint32Array;
  if (value.length > LARGE_ARGUMENT) {
    record = oneOffRecord(value.length, 0);
    validateLineageInto(value, record);
  } else {
    record = backend.validateLineage(value);
  }
  return decodeLineage(value, record, value);
}

/**
 * Set `key` to `value` (the last field with that key, matched case-insensitively), or append
 * `;key=value` after the last field. Every other byte stays in place. AWS's `Lineage` may not
 * be set (`invalid_key`).
 */
export function setField(header: string, key: string, value: string, options?: Options): string {
  requireString(header, 'header');
  const backend = backendFor(options);
  requireString(key, 'key');
  requireString(value, 'value');
  const resolved = resolve(options);
  if (key.length + value.length > resolved.maxLength) {
    const record = oneOffRecord(Math.min(header.length, resolved.maxLength + 1), resolved.maxFields);
    const insert = setFieldInto(header, key, value, resolved, record);
    check(record);
    return applySplice(header, record, insert ?? '');
  }
  const record = backend.setField(header, key, value, resolved);
  check(record);
  return applySplice(header, record, backend.inserted());
}

/** Build a new header: `Root;Parent;Sampled` first, then `fields`, no spaces. */
export function formatHeader(parts: HeaderParts): string {
  const result = formatReference(parts);
  if (result.length === 2) throw new TraceHeaderError(result[0], result[1]);
  return result[0];
}

/** FNV-1a 32-bit hash of a resource id (function ARN, queue URL, ...), as 8 lowercase hex. */
export function resourceHash(resource: string, options?: Options): string {
  return hashHex(hashOf(requireString(resource, 'resource'), backendFor(options)));
}

function hashOf(resource: string, backend: Backend): number {
  return resource.length > LARGE_ARGUMENT ? referenceHash(resource) : backend.resourceHash(resource);
}

export interface LoopGuardOptions extends Options {
  /** A count above this is a loop (default 16: the 17th entry is a loop, as AWS Lambda does); 0..2^32-2. */
  threshold?: number;
  /** Most entries kept in the loop field (default 8); the lowest counts are evicted first. */
  maxEntries?: number;
  /** This resource's count saturates here (default 2^32-1); must be above `threshold`. */
  maxCount?: number;
}

export interface EnterResult {
  resource: string;
  /** FNV-1a 32 of the resource, 8 lowercase hex: this resource's entry in the loop field. */
  resourceHash: string;
  /** This resource's count in this chain, this entry included. */
  count: number;
  threshold: number;
  /** `count > threshold`. */
  loop: boolean;
  /** The outgoing header: the input with this resource's entry updated, all else unchanged. */
  header: string;
  /** Other resources' entries evicted to respect `maxEntries`. */
  evicted: number;
  /** Malformed pieces of the loop field (and duplicates of this entry) that were dropped. */
  dropped: number;
}

/**
 * Counts entries of one resource (a function, a queue, ...) in the chains that reach it. Make
 * one per resource at start-up and call `enter` per invocation or record: the hot path.
 */
export class LoopGuard {
  readonly resource: string;
  readonly resourceHash: string;
  readonly threshold: number;
  readonly maxEntries: number;
  readonly maxCount: number;
  readonly #counter: CounterOptions;
  readonly #hash: number;
  readonly #options: ResolvedOptions;
  readonly #backend: Backend;

  constructor(resource: string, options: LoopGuardOptions = {}) {
    requireString(resource, 'resource');
    if (resource.length === 0) throw new TraceHeaderError(E_INVALID_VALUE, 0, 'resource must not be empty');
    this.#backend = backendFor(options);
    this.#options = resolve(options);
    // At most 2^32-2: counts saturate at maxCount (at most 2^32-1), which must be above it.
    this.threshold = integerIn(options.threshold, DEFAULT_THRESHOLD, 0, 0xfffffffe, 'threshold');
    this.maxEntries = integerIn(options.maxEntries, DEFAULT_MAX_ENTRIES, 1, 1024, 'maxEntries');
    this.maxCount = integerIn(options.maxCount, 0xffffffff, this.threshold + 1, 0xffffffff, 'maxCount');
    this.#counter = { threshold: this.threshold, maxEntries: this.maxEntries, maxCount: this.maxCount };
    this.resource = resource;
    this.#hash = hashOf(resource, this.#backend);
    this.resourceHash = hashHex(this.#hash);
  }

  /** The backend this guard runs on. */
  get backend(): BackendName {
    return this.#backend.name;
  }

  /** Count this entry in `header`'s chain: the count, whether it is a loop, the outgoing header. */
  enter(header: string): EnterResult {
    if (typeof header !== 'string') requireString(header, 'header');
    const backend = this.#backend;
    const record = backend.enter(header, this.#hash, this.#counter, this.#options);
    const status = record[B_STATUS];
    if (status !== E_OK) throw new TraceHeaderError(status, record[B_OFFSET]);
    // The same shape as `#result` builds (one hidden class for every result).
    return {
      resource: this.resource,
      resourceHash: this.resourceHash,
      count: record[B_COUNT],
      threshold: this.threshold,
      loop: record[B_IS_LOOP] === 1,
      evicted: record[B_EVICTED],
      dropped: record[B_DROPPED],
      header: backend.entered(0),
    };
  }

  /**
   * `enter` for each header of a batch (an SQS or Kinesis batch, say), in one call: the results
   * in order. A header that cannot be used is not thrown: its result is its `TraceHeaderError`,
   * so that the caller can fail that record alone.
   */
  enterBatch(headers: readonly string[]): Array<EnterResult | TraceHeaderError> {
    if (!Array.isArray(headers)) throw new TypeError(`headers must be an array, got ${typeof headers}`);
    for (let i = 0; i < headers.length; i++) requireString(headers[i], `headers[${i}]`);
    const backend = this.#backend;
    const record = backend.enterBatch(headers, this.#hash, this.#counter, this.#options);
    const results = new Array<EnterResult | TraceHeaderError>(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const at = i * BATCH_SLOTS;
      const status = record[at + B_STATUS];
      results[i] = status === E_OK ? this.#result(record, at, backend.entered(i)) : new TraceHeaderError(status, record[at + B_OFFSET]);
    }
    return results;
  }

  /** The result of the header whose batch slots start at `at`. */
  #result(record: Uint32Array, at: number, header: string): EnterResult {
    return {
      resource: this.resource,
      resourceHash: this.resourceHash,
      count: record[at + B_COUNT],
      threshold: this.threshold,
      loop: record[at + B_IS_LOOP] === 1,
      evicted: record[at + B_EVICTED],
      dropped: record[at + B_DROPPED],
      header,
    };
  }
}

/** One-off `new LoopGuard(resource, options).enter(header)`. */
export function enter(header: string, resource: string, options?: LoopGuardOptions): EnterResult {
  return new LoopGuard(resource, options).enter(header);
}
