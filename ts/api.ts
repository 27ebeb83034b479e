/**
 * The public API, the same over every backend. Entry points (`index.ts` for Node, `browser.ts`
 * for browsers and workers) register which backends they can load, then re-export this.
 */
import { selectBackend, unboundedBackend, type Backend, type BackendChoice, type BackendName } from './backend.js';
import type { CounterOptions, Enterer } from './backends/types.js';
import { E_INVALID_OPTION, E_INVALID_VALUE, E_OK } from './codes.js';
import {
  DEFAULT_MAX_COUNT,
  DEFAULT_MAX_ENTRIES,
  DEFAULT_MAX_FIELDS,
  DEFAULT_MAX_LENGTH,
  DEFAULT_THRESHOLD,
  KEY_PATTERN,
  MAX_MAX_COUNT,
  MAX_MAX_ENTRIES,
  MAX_MAX_FIELDS,
  MAX_MAX_LENGTH,
  MAX_THRESHOLD,
  MIN_MAX_ENTRIES,
  MIN_MAX_FIELDS,
  MIN_MAX_LENGTH,
  MIN_THRESHOLD,
} from './generated/constants.js';
import { keyBytes, TAG_HEX_LENGTH } from './siphash.js';
import { TraceHeaderError } from './errors.js';
import {
  A_LOOP,
  A_ROOT,
  ACCESSOR_KEYS,
  B_COUNT,
  B_DROPPED,
  B_EVICTED,
  B_IS_LOOP,
  B_OFFSET,
  B_STATUS,
  BATCH_SLOTS,
  DEFAULT_LOOP_KEY,
  FIELDS_BASE,
  NONE,
  S_ACCESSORS,
  S_FIELD_COUNT,
  S_OFFSET,
  S_STATUS,
  decodeLineage,
  decodeParse,
  type LineageAccessor,
  type ParseOptions,
  type ParsedTraceHeader,
  type ResolvedOptions,
} from './record.js';
import { applySplice, formatHeader as composeHeader, percentEncodeEnv, type HeaderParts } from './compose.js';
import { hashHex } from './resource-hash.js';

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
export type { HeaderParts } from './compose.js';
export { percentEncodeEnv };

/** The options' defaults (and, in `resolve` and `LoopGuard`, their ranges): the Rust core's, generated. */
export { DEFAULT_LOOP_KEY, DEFAULT_MAX_ENTRIES, DEFAULT_MAX_FIELDS, DEFAULT_MAX_LENGTH, DEFAULT_THRESHOLD };

/** Options of every call: the parse limits, the loop key, and which backend runs it. */
export interface Options extends ParseOptions {
  /** `auto` (default: native, else wasm, else js), or force one; see also TRACE_LINEAGE_BACKEND. */
  backend?: BackendChoice;
}

const KNOWN_KEYS: readonly string[] = ACCESSOR_KEYS.map((key) => key.toLowerCase());

/** A key we may write a field of our own under: a token (visible ASCII without `;` and `=`), no known key. */
const isOwnFieldKey = (key: string): boolean => KEY_PATTERN.test(key) && !KNOWN_KEYS.includes(key.toLowerCase());

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
  if (!isOwnFieldKey(loopKey)) {
    throw invalidOption(`loopKey must be a token (visible ASCII without ; and =) other than a known key, got ${JSON.stringify(loopKey)}`);
  }
  return {
    maxLength: integerIn(options.maxLength, DEFAULT_MAX_LENGTH, MIN_MAX_LENGTH, MAX_MAX_LENGTH, 'maxLength'),
    maxFields: integerIn(options.maxFields, DEFAULT_MAX_FIELDS, MIN_MAX_FIELDS, MAX_MAX_FIELDS, 'maxFields'),
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
 * and value) go to the js backend when they are longer than this (or, for a setter, than
 * `maxLength`: such a rewrite can only fail), whatever the backend: the native and WASM backends
 * copy their input into grow-only buffers, and a WASM instance's memory never shrinks, so one
 * huge argument would keep them huge for the life of the process. The js backend keeps no record
 * that large, and its answer is the reference's, which every backend is held to.
 */
const LARGE_ARGUMENT = 1 << 16;

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
  const backend = value.length > LARGE_ARGUMENT ? unboundedBackend() : backendFor(options);
  return decodeLineage(value, backend.validateLineage(value), value);
}

/**
 * Set `key` to `value` (the last field with that key, matched case-insensitively), or append
 * `;key=value` after the last field. Every other byte stays in place. AWS's `Lineage` may not
 * be set (`invalid_key`).
 */
export function setField(header: string, key: string, value: string, options?: Options): string {
  requireString(header, 'header');
  const chosen = backendFor(options);
  requireString(key, 'key');
  requireString(value, 'value');
  const resolved = resolve(options);
  const backend = key.length + value.length > resolved.maxLength ? unboundedBackend() : chosen;
  const record = backend.setField(header, key, value, resolved);
  check(record);
  return applySplice(header, record, backend.inserted());
}

/** Build a new header: `Root;Parent;Sampled` first, then `fields`, no spaces. */
export function formatHeader(parts: HeaderParts): string {
  const header = composeHeader(parts);
  if (typeof header !== 'string') throw new TraceHeaderError(header.code, header.offset);
  return header;
}

/** FNV-1a 32-bit hash of a resource id (function ARN, queue URL, ...), as 8 lowercase hex. */
export function resourceHash(resource: string, options?: Options): string {
  return hashHex(hashOf(requireString(resource, 'resource'), backendFor(options)));
}

function hashOf(resource: string, backend: Backend): number {
  return (resource.length > LARGE_ARGUMENT ? unboundedBackend() : backend).resourceHash(resource);
}

/** The field that carries the tag of a signed loop field, unless `signatureKey` says otherwise. */
export const DEFAULT_SIGNATURE_KEY = 'LoopGuardSig';

export interface LoopGuardOptions extends Options {
  /** A count above this is a loop (default 16: the 17th entry is a loop, as AWS Lambda does); 0..2^32-2. */
  threshold?: number;
  /** Most entries kept in the loop field (default 8); the lowest counts are evicted first. */
  maxEntries?: number;
  /** This resource's count saturates here (default 2^32-1); must be above `threshold`. */
  maxCount?: number;
  /**
   * SipHash-2-4 keys, each 32 hex digits (128 bits), shared by the functions of one deployment:
   * the first signs the outgoing loop field, every one verifies an incoming one (rotation). None
   * (or an empty list): no signing, no verification.
   */
  keys?: readonly string[];
  /** The field that carries the tag (default `LoopGuardSig`); a token, not a known key, not `loopKey`. */
  signatureKey?: string;
  /** With keys: an incoming loop field without a tag is ignored at every source (default false). */
  requireSignature?: boolean;
}

/** Where a header comes from, for `enter` and `enterBatch`. */
export interface EnterOptions {
  /**
   * Whether the source may be written by nobody but the account (a queue, a stream, a direct
   * invoke: the default, true) or by anyone (a public HTTP endpoint: false). An untrusted
   * source's loop field counts only when its tag verifies.
   */
  trusted?: boolean;
}

/**
 * What happened to the incoming loop field: `absent` (none came in), `trusted` (used; no keys),
 * `verified` (used; its tag verified with one of the keys), `unsigned` (used; keys configured,
 * no tag, trusted source), `untrusted` (ignored: untrusted source, no valid tag), `bad_signature`
 * (ignored: the tag did not verify, or a tag is required and there was none). An ignored field
 * counts as if it had not been there: this resource's entry is 1, the others are not carried over.
 */
export type LoopTrust = 'absent' | 'trusted' | 'verified' | 'unsigned' | 'untrusted' | 'bad_signature';

export interface EnterResult {
  resource: string;
  /** FNV-1a 32 of the resource, 8 lowercase hex: this resource's entry in the loop field. */
  resourceHash: string;
  /** This resource's count in this chain, this entry included. */
  count: number;
  threshold: number;
  /** `count > threshold`. */
  loop: boolean;
  /** The outgoing header: the input with this resource's entry updated (and, with keys, its tag), all else unchanged. */
  header: string;
  /** Other resources' entries evicted to respect `maxEntries`. */
  evicted: number;
  /** Malformed pieces of the loop field (and duplicates of this entry) that were dropped. */
  dropped: number;
  /** What happened to the incoming loop field. */
  trust: LoopTrust;
}

/** Whether a header of a source with these options is trusted (true unless `trusted: false`). */
function isTrusted(options: EnterOptions | undefined): boolean {
  if (options === undefined || options.trusted === undefined) return true;
  if (typeof options.trusted !== 'boolean') throw new TypeError(`trusted must be a boolean, got ${typeof options.trusted}`);
  return options.trusted;
}

/** The keys as bytes; `invalid_option` for one that is not 32 hex digits. */
function resolveKeys(keys: readonly string[] | undefined): readonly Uint8Array[] {
  if (keys === undefined) return [];
  if (!Array.isArray(keys)) throw invalidOption(`keys must be an array of 32-hex-digit strings, got ${typeof keys}`);
  return keys.map((key: unknown, index) => {
    const bytes = typeof key === 'string' ? keyBytes(key) : null;
    if (bytes === null) throw invalidOption(`keys[${index}] must be 32 hex digits (a 128-bit SipHash key)`);
    return bytes;
  });
}

/** Equal tags, compared in a time that does not depend on where they differ. */
function sameTag(expected: string, received: string): boolean {
  if (received.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ received.charCodeAt(i);
  return difference === 0;
}

/** `;` + key + `=` + 8 hex + `:1`: what `enter` appends to a header that had no loop field. */
const appendedLength = (loopKey: string): number => loopKey.length + 12;

/**
 * What the keyed and untrusted paths read from a parse record of the incoming header: the
 * Root's value, the loop field's value and where it is, the tag, and where a new field goes.
 */
interface IncomingFields {
  root: string;
  /** The loop field's value, or null when there is none. */
  loopValue: string | null;
  loopStart: number;
  /** The last field with the signature key (case-insensitive), its value ('' without `=`), or null. */
  tag: string | null;
  /** Where `enter` appends a loop field: after the last field. */
  lastFieldEnd: number;
}

function readIncoming(header: string, record: Uint32Array, signatureKey: string): IncomingFields {
  const valueOf = (index: number): [number, number] => {
    const at = FIELDS_BASE + 4 * index;
    return record[at + 2] === NONE ? [record[at + 1], record[at + 1]] : [record[at + 2], record[at + 3]];
  };
  const rootField = record[S_ACCESSORS + 2 * A_ROOT];
  const root = rootField === NONE ? '' : header.slice(...valueOf(rootField));
  const loopField = record[S_ACCESSORS + 2 * A_LOOP];
  let loopValue: string | null = null;
  let loopStart = 0;
  if (loopField !== NONE) {
    const [start, end] = valueOf(loopField);
    loopValue = header.slice(start, end);
    loopStart = start;
  }
  const fieldCount = record[S_FIELD_COUNT];
  let tag: string | null = null;
  const wanted = signatureKey.toLowerCase();
  for (let index = fieldCount - 1; index >= 0 && tag === null; index--) {
    const at = FIELDS_BASE + 4 * index;
    const keyStart = record[at];
    const keyEnd = record[at + 1];
    if (keyEnd - keyStart === wanted.length && header.slice(keyStart, keyEnd).toLowerCase() === wanted) {
      tag = record[at + 2] === NONE ? '' : header.slice(record[at + 2], record[at + 3]);
    }
  }
  const lastFieldEnd = fieldCount === 0 ? 0 : valueOf(fieldCount - 1)[1];
  return { root, loopValue, loopStart, tag, lastFieldEnd };
}

/**
 * Counts entries of one resource (a function, a queue, ...) in the chains that reach it. Make
 * one per resource at start-up and call `enter` per invocation or record: the hot path.
 *
 * The trust policy (which incoming loop fields count, the tags) lives here, once, over every
 * backend: the backends parse, count and compute tags; this class decides. Without keys and for
 * a trusted source `enter` is exactly one backend call, as it was before signing existed.
 */
export class LoopGuard {
  readonly resource: string;
  readonly resourceHash: string;
  readonly threshold: number;
  readonly maxEntries: number;
  readonly maxCount: number;
  /** The field that carries the tag (meaningful with keys). */
  readonly signatureKey: string;
  readonly requireSignature: boolean;
  readonly #counter: CounterOptions;
  readonly #hash: number;
  readonly #options: ResolvedOptions;
  readonly #backend: Backend;
  /** This guard's loop counter on its backend (its own configuration there). */
  readonly #enterer: Enterer;
  /** The SipHash keys, as bytes: the first signs, every one verifies; empty without signing. */
  readonly #keys: readonly Uint8Array[];
  readonly #appendedLength: number;

  constructor(resource: string, options: LoopGuardOptions = {}) {
    requireString(resource, 'resource');
    if (resource.length === 0) throw new TraceHeaderError(E_INVALID_VALUE, 0, 'resource must not be empty');
    this.#backend = backendFor(options);
    this.#options = resolve(options);
    // Counts saturate at maxCount, which must be above the threshold.
    this.threshold = integerIn(options.threshold, DEFAULT_THRESHOLD, MIN_THRESHOLD, MAX_THRESHOLD, 'threshold');
    this.maxEntries = integerIn(options.maxEntries, DEFAULT_MAX_ENTRIES, MIN_MAX_ENTRIES, MAX_MAX_ENTRIES, 'maxEntries');
    this.maxCount = integerIn(options.maxCount, DEFAULT_MAX_COUNT, this.threshold + 1, MAX_MAX_COUNT, 'maxCount');
    this.#counter = { threshold: this.threshold, maxEntries: this.maxEntries, maxCount: this.maxCount };
    this.#keys = resolveKeys(options.keys);
    this.signatureKey = options.signatureKey ?? DEFAULT_SIGNATURE_KEY;
    // A given key must be a token of its own (the default is); any must differ from the loop key.
    const invalidKey = options.signatureKey !== undefined && !isOwnFieldKey(this.signatureKey);
    if (invalidKey || this.signatureKey.toLowerCase() === this.#options.loopKey.toLowerCase()) {
      throw invalidOption(`signatureKey must be a token other than a known key and the loop key, got ${JSON.stringify(this.signatureKey)}`);
    }
    if (options.requireSignature !== undefined && typeof options.requireSignature !== 'boolean') {
      throw invalidOption(`requireSignature must be a boolean, got ${typeof options.requireSignature}`);
    }
    this.requireSignature = options.requireSignature ?? false;
    if (this.requireSignature && this.#keys.length === 0) throw invalidOption('requireSignature needs keys');
    this.#appendedLength = appendedLength(this.#options.loopKey);
    this.resource = resource;
    this.#hash = hashOf(resource, this.#backend);
    this.resourceHash = hashHex(this.#hash);
    this.#enterer = this.#backend.enterer(this.#hash, this.#counter, this.#options);
  }

  /** The backend this guard runs on. */
  get backend(): BackendName {
    return this.#backend.name;
  }

  /** Whether this guard signs its outgoing loop fields (and verifies incoming ones). */
  get signing(): boolean {
    return this.#keys.length > 0;
  }

  /**
   * Count this entry in `header`'s chain: the count, whether it is a loop, the outgoing header,
   * and what happened to the incoming loop field (`trust`). `trusted: false` for a header any
   * client can write (a public endpoint).
   */
  enter(header: string, options?: EnterOptions): EnterResult {
    if (typeof header !== 'string') requireString(header, 'header');
    if (this.#keys.length !== 0 || (options !== undefined && !isTrusted(options))) return this.#enterChecked(header, isTrusted(options));
    const enterer = this.#enterer;
    const record = enterer.enter(header);
    const status = record[B_STATUS];
    if (status !== E_OK) throw new TraceHeaderError(status, record[B_OFFSET]);
    const outgoing = enterer.entered(0);
    // The same shape as `#result` builds (one hidden class for every result).
    return {
      resource: this.resource,
      resourceHash: this.resourceHash,
      count: record[B_COUNT],
      threshold: this.threshold,
      loop: record[B_IS_LOOP] === 1,
      evicted: record[B_EVICTED],
      dropped: record[B_DROPPED],
      header: outgoing,
      trust: this.#usedTrust(header, outgoing),
    };
  }

  /**
   * `enter` for each header of a batch (an SQS or Kinesis batch, say), in one call: the results
   * in order. A header that cannot be used is not thrown: its result is its `TraceHeaderError`,
   * so that the caller can fail that record alone.
   */
  enterBatch(headers: readonly string[], options?: EnterOptions): Array<EnterResult | TraceHeaderError> {
    if (!Array.isArray(headers)) throw new TypeError(`headers must be an array, got ${typeof headers}`);
    for (let i = 0; i < headers.length; i++) requireString(headers[i], `headers[${i}]`);
    const trusted = isTrusted(options);
    const results = new Array<EnterResult | TraceHeaderError>(headers.length);
    if (this.#keys.length !== 0 || !trusted) {
      for (let i = 0; i < headers.length; i++) {
        try {
          results[i] = this.#enterChecked(headers[i], trusted);
        } catch (error) {
          if (!(error instanceof TraceHeaderError)) throw error;
          results[i] = error;
        }
      }
      return results;
    }
    const enterer = this.#enterer;
    const record = enterer.enterBatch(headers);
    for (let i = 0; i < headers.length; i++) {
      const at = i * BATCH_SLOTS;
      const status = record[at + B_STATUS];
      if (status !== E_OK) {
        results[i] = new TraceHeaderError(status, record[at + B_OFFSET]);
        continue;
      }
      const outgoing = enterer.entered(i);
      results[i] = this.#result(record, at, outgoing, this.#usedTrust(headers[i], outgoing));
    }
    return results;
  }

  /**
   * The trust of a header entered as it came: `absent` when it had no loop field, else
   * `trusted`. Told by the lengths alone: without a loop field `enter` appends exactly
   * `;key=<8 hex>:1`, while a splice of an existing field's value grows it by at most 11 bytes
   * (one entry `|<8 hex>:1` appended, or a count gaining a digit), which is less.
   */
  #usedTrust(incoming: string, outgoing: string): LoopTrust {
    return outgoing.length - incoming.length === this.#appendedLength ? 'absent' : 'trusted';
  }

  /** The result of the header whose batch slots start at `at`. */
  #result(record: Uint32Array, at: number, header: string, trust: LoopTrust): EnterResult {
    return {
      resource: this.resource,
      resourceHash: this.resourceHash,
      count: record[at + B_COUNT],
      threshold: this.threshold,
      loop: record[at + B_IS_LOOP] === 1,
      evicted: record[at + B_EVICTED],
      dropped: record[at + B_DROPPED],
      header,
      trust,
    };
  }

  /** Whether `tag` is the loop tag of (root, loopValue) under one of the keys. */
  #verifies(root: string, loopValue: string, tag: string): boolean {
    if (tag.length !== TAG_HEX_LENGTH) return false;
    let verified = false;
    for (const key of this.#keys) verified = sameTag(this.#backend.loopTag(key, root, loopValue), tag) || verified;
    return verified;
  }

  /** What to do with the incoming loop field. */
  #trustOf(incoming: IncomingFields, trusted: boolean): LoopTrust {
    if (incoming.loopValue === null) return 'absent';
    if (this.#keys.length === 0) return trusted ? 'trusted' : 'untrusted';
    if (incoming.tag !== null) return this.#verifies(incoming.root, incoming.loopValue, incoming.tag) ? 'verified' : 'bad_signature';
    if (this.requireSignature) return 'bad_signature';
    return trusted ? 'unsigned' : 'untrusted';
  }

  /** Set `key` to `value` in `header` on this guard's backend (a `TraceHeaderError` if it cannot be). */
  #setField(header: string, key: string, value: string): string {
    const record = this.#backend.setField(header, key, value, this.#options);
    check(record);
    return applySplice(header, record, this.#backend.inserted());
  }

  /**
   * `enter` with the trust policy: keys configured, or an untrusted source. An ignored loop field
   * is replaced by this resource's entry at 0 (so that the count is 1 and nothing else carries
   * over, the field where it was); with keys the outgoing loop field gets a fresh tag, over the
   * chain's Root and the new value, with the first key.
   */
  #enterChecked(header: string, trusted: boolean): EnterResult {
    const backend = this.#backend;
    const options = this.#options;
    const parsed = backend.parse(header, options);
    check(parsed);
    const incoming = readIncoming(header, parsed, this.signatureKey);
    const trust = this.#trustOf(incoming, trusted);
    let input = header;
    let loopValueLength = incoming.loopValue?.length ?? 0;
    if (trust === 'untrusted' || trust === 'bad_signature') {
      const fresh = `${this.resourceHash}:0`;
      input = this.#setField(header, options.loopKey, fresh);
      loopValueLength = fresh.length;
    }
    const record = this.#enterer.enter(input);
    const status = record[B_STATUS];
    if (status !== E_OK) throw new TraceHeaderError(status, record[B_OFFSET]);
    let outgoing = this.#enterer.entered(0);
    const result = this.#result(record, 0, outgoing, trust);
    if (this.#keys.length === 0) return result;
    // Where the new loop value is: `enter` splices the old value (or appends `;key=value` after
    // the last field) and leaves every other byte in place.
    const grown = outgoing.length - input.length;
    let start = incoming.loopStart;
    let end = start + loopValueLength + grown;
    if (incoming.loopValue === null) {
      start = incoming.lastFieldEnd + options.loopKey.length + 2;
      end = incoming.lastFieldEnd + grown;
    }
    const tag = backend.loopTag(this.#keys[0], incoming.root, outgoing.slice(start, end));
    outgoing = this.#setField(outgoing, this.signatureKey, tag);
    result.header = outgoing;
    return result;
  }
}

/** One-off `new LoopGuard(resource, options).enter(header, options)`. */
export function enter(header: string, resource: string, options?: LoopGuardOptions & EnterOptions): EnterResult {
  return new LoopGuard(resource, options).enter(header, options);
}
