/**
 * The WebAssembly backend: `crates/wasm` (the Rust core) behind the `Backend` interface.
 *
 * es-module-lexer style: the instance owns grow-only scratch buffers in its linear memory (the
 * input bytes, a batch's header lengths, the `u32` record, the output bytes). A call writes the
 * header with `TextEncoder.encodeInto` at the input pointer, passes lengths and options as
 * numbers, and returns a `Uint32Array` view of the record; the output (outgoing headers, or the
 * bytes a setter inserts) is decoded once, when asked for. Nothing needs freeing. The views are
 * re-taken whenever memory has grown (`memory.buffer` changes identity). Loading is synchronous:
 * each entry point says where the module comes from (`setWasmSource`): in Node the bytes are
 * read only when this backend loads (`#wasm-bytes`), browsers get them inlined, workerd imports
 * the shipped `.wasm` file as a module; `useWasmModule` hands over a precompiled module.
 *
 * UTF-8 in gives the reference's answers: everything before a header's first non-ASCII unit is
 * ASCII (one byte each), so that unit is rejected at the same offset, and a header whose first
 * non-ASCII unit lies past `maxLength` is too long either way.
 */
import { registerBackend } from '../backend.js';
import * as glue from '../generated/trace_lineage_wasm.js';
import {
  B_OUTPUT_END,
  BATCH_SLOTS,
  batchOutputCapacity,
  boundedHeader,
  outgoingAt,
  readLength,
  recordCapacity,
  S_INSERT_LENGTH,
  SPLICE_RECORD_LENGTH,
  type ResolvedOptions,
} from '../record.js';
import { KEY_LENGTH, loopMessage, TAG_HEX_LENGTH } from '../siphash.js';
import type { Backend, Enterer } from './types.js';

const E_BUFFER_TOO_SMALL = 8;
const U32_MAX = 0xffffffff;

/** Node's `Buffer`, where there is one: its `latin1Slice` decodes ASCII faster than TextDecoder. */
interface Latin1View extends Uint8Array {
  latin1Slice(start: number, end: number): string;
}
const NodeBuffer = (globalThis as unknown as { Buffer?: { from(buffer: ArrayBufferLike, offset: number, length: number): Latin1View } }).Buffer;

let loaded: WasmBackend | undefined;

/** The backend plus the benchmark floors of the same instance (`bench/`). */
export interface WasmBackend extends Backend {
  /** An empty call into the module. */
  floorEmpty(): void;
  /** A string into linear memory, through the module, and back out: the boundary's own cost. */
  floorEcho(text: string): string;
}

/** One guard's loop counter: its options and numbers (the output is the instance's, read before the next call). */
interface WasmEnterer extends Enterer {
  readonly options: ResolvedOptions;
  readonly resourceHash: number;
  readonly threshold: number;
  readonly maxEntries: number;
  readonly maxCount: number;
}

/** The compiled module, or its bytes (compiled when the backend loads). */
export type WasmSource = () => WebAssembly.Module | Uint8Array<ArrayBuffer>;
let source: WasmSource = () => {
  throw new Error('trace-lineage: this entry point ships no WebAssembly module (useWasmModule hands one over)');
};

/** Where the module comes from: set by each entry point, before anything loads the backend. */
export function setWasmSource(next: WasmSource): void {
  source = next;
}

/**
 * Use this precompiled module (for runtimes that compile WebAssembly only from a module they
 * imported or fetched themselves), and select the WebAssembly backend again where it had failed
 * to load. Before the first call that loads it.
 */
export function useWasmModule(module: WebAssembly.Module): void {
  if (typeof WebAssembly !== 'object' || !(module instanceof WebAssembly.Module)) {
    throw new TypeError('trace-lineage: useWasmModule expects a WebAssembly.Module');
  }
  if (loaded !== undefined) throw new Error('trace-lineage: the WebAssembly backend is already loaded: call useWasmModule before the first call');
  source = () => module;
  registerBackend('wasm', loadWasmBackend); // forgets an earlier failure to load
}

/** Instantiate the module (once) and return the backend; throws, with a `cause`, if it cannot. */
export function loadWasmBackend(): WasmBackend {
  loaded ??= createWasmBackend();
  return loaded;
}

function instantiate(): glue.InitOutput {
  if (typeof WebAssembly !== 'object' || typeof WebAssembly.Module !== 'function') {
    throw new Error('trace-lineage: WebAssembly is not available in this JavaScript environment', {
      cause: new TypeError(`typeof WebAssembly is ${typeof WebAssembly}`),
    });
  }
  try {
    const moduleOrBytes = source();
    return glue.initSync({ module: moduleOrBytes instanceof WebAssembly.Module ? moduleOrBytes : new WebAssembly.Module(moduleOrBytes) });
  } catch (error) {
    throw new Error('trace-lineage: the WebAssembly module could not be instantiated', { cause: error });
  }
}

function createWasmBackend(): WasmBackend {
  const { memory } = instantiate();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  // The scratch buffers: where they are and how large, as last reserved.
  let inputPointer = 0;
  let inputCapacity = 0;
  let lengthsPointer = 0;
  let lengthsCapacity = 0;
  let recordPointer = 0;
  let recordSlots = 0;
  let outputPointer = 0;
  let outputCapacity = 0;
  // Views of linear memory, re-taken when memory grows (its buffer changes identity).
  let buffer: ArrayBufferLike | undefined;
  let input = new Uint8Array(0);
  let lengths = new Uint32Array(0);
  let record = new Uint32Array(0);
  let output = new Uint8Array(0);
  let latin1: Latin1View | undefined;
  // The loop key the instance holds (sent again only when it changes).
  let loopKey: string | undefined;
  // The last call's output: its length, and (decoded once, when asked for) its text; whether
  // it was a single enter's (its text is then the outgoing header).
  let outputLength = 0;
  let outputText: string | undefined;
  let single = false;

  function views(): void {
    // Growing memory detaches the old buffer, and with it every view (length 0): checking that
    // is cheaper than reading `memory.buffer` (the views are never empty once reserved). `length`,
    // not `byteLength`: V8 inlines the one, calls a builtin for the other (~10 ns).
    if (input.length !== 0 || memory.buffer === buffer) return;
    newViews();
  }

  /** Take the views again: memory grew, or the buffers moved. */
  function newViews(): void {
    buffer = memory.buffer;
    input = new Uint8Array(buffer, inputPointer, inputCapacity);
    lengths = new Uint32Array(buffer, lengthsPointer, lengthsCapacity);
    record = new Uint32Array(buffer, recordPointer, recordSlots);
    output = new Uint8Array(buffer, outputPointer, outputCapacity);
    latin1 = NodeBuffer?.from(buffer, outputPointer, outputCapacity);
  }

  const clampU32 = (n: number): number => Math.min(Math.ceil(n), U32_MAX);
  const grown = (needed: number, capacity: number): number =>
    needed <= capacity ? capacity : clampU32(Math.max(needed, 2 * capacity));

  /** Grow the buffers to at least these sizes (doubling, so that growth is rare). */
  function reserve(inputBytes: number, lengthSlots: number, slots: number, outputBytes: number): void {
    if (inputBytes <= inputCapacity && lengthSlots <= lengthsCapacity && slots <= recordSlots && outputBytes <= outputCapacity) return;
    const current = [inputCapacity, lengthsCapacity, recordSlots, outputCapacity];
    const needed = [inputBytes, lengthSlots, slots, outputBytes];
    let sizes = needed.map((size, i) => grown(size, current[i]));
    if (glue.reserve(sizes[0], sizes[1], sizes[2], sizes[3]) !== 1) {
      sizes = needed.map((size, i) => Math.max(current[i], clampU32(size)));
      if (glue.reserve(sizes[0], sizes[1], sizes[2], sizes[3]) !== 1) throw new RangeError('trace-lineage: out of WebAssembly memory');
    }
    [inputCapacity, lengthsCapacity, recordSlots, outputCapacity] = sizes;
    inputPointer = glue.inputPointer();
    lengthsPointer = glue.lengthsPointer();
    recordPointer = glue.recordPointer();
    outputPointer = glue.outputPointer();
    newViews();
  }

  /** Reserve for `units` UTF-16 units of input (3 bytes each at most) and send the loop key. */
  function prepare(options: ResolvedOptions, units: number, lengthSlots: number, slots: number, outputBytes: number): void {
    const key = options.loopKey;
    reserve(3 * Math.max(units, key.length) + 4, lengthSlots, Math.max(slots, SPLICE_RECORD_LENGTH), outputBytes);
    if (key !== loopKey) {
      const { written } = encoder.encodeInto(key, input);
      if (glue.setLoopKey(written) !== 1) throw new RangeError('trace-lineage: out of WebAssembly memory');
      loopKey = key;
      views();
    }
  }

  /** Slots of a parse record for `units` units (≤ 3 bytes each) under `options`. */
  const parseSlots = (units: number, options: ResolvedOptions): number =>
    recordCapacity(readLength(3 * units, options), options.maxFields);

  /** Write `text` as UTF-8 at `offset` in the input buffer; the number of bytes. */
  const encodeAt = (text: string, offset: number): number =>
    encoder.encodeInto(text, offset === 0 ? input : input.subarray(offset)).written;

  /** The record after a call (memory may have grown, though the hot calls never allocate). */
  function result(): Uint32Array {
    views();
    return record;
  }

  /** Bytes `[0, length)` of the output, as text (ASCII: what the core writes). */
  function decodeOutput(length: number): string {
    views();
    return latin1 !== undefined ? latin1.latin1Slice(0, length) : decoder.decode(output.subarray(0, length));
  }

  /** Write a SipHash key at the start of the input buffer (reserved by the caller). */
  function writeKey(key: Uint8Array): void {
    if (key.length !== KEY_LENGTH) throw new RangeError(`a SipHash key has ${KEY_LENGTH} bytes, got ${key.length}`);
    input.set(key, 0);
  }

  /** The tag a `siphash`/`loopTag` call wrote to the output (`length`: what it returned). */
  function tagOf(length: number): string {
    if (length !== TAG_HEX_LENGTH) throw new Error('trace-lineage: the WebAssembly buffers were too small for a tag (a bug)');
    outputLength = 0;
    outputText = undefined;
    single = false;
    return decodeOutput(TAG_HEX_LENGTH);
  }

  // Every enterer shares these functions (its numbers are on it): the API's call sites stay
  // monomorphic however many guards there are.
  function enterOne(this: WasmEnterer, header: string): Uint32Array {
    const { options } = this;
    const text = boundedHeader(header, options);
    const units = text.length;
    const key = options.loopKey;
    // `prepare`, only when something must change (the buffers are grow-only).
    const outputBytes = batchOutputCapacity(3 * units, 1, key.length);
    if (key !== loopKey || 3 * Math.max(units, key.length) + 4 > inputCapacity || outputBytes > outputCapacity || recordSlots < BATCH_SLOTS) {
      prepare(options, units, 0, BATCH_SLOTS, outputBytes);
    }
    const length = encoder.encodeInto(text, input).written;
    const status = glue.enter(length, options.maxLength, options.maxFields, this.resourceHash, this.threshold, this.maxEntries, this.maxCount);
    if (status !== 0) throw new Error(`trace-lineage: the WebAssembly buffers were too small (a bug): status ${status}`);
    const out = result();
    outputLength = out[B_OUTPUT_END];
    outputText = undefined;
    single = true;
    return out;
  }
  function enterMany(this: WasmEnterer, headers: readonly string[]): Uint32Array {
    const { options } = this;
    writeBatch(headers, options);
    const status = glue.enterBatch(headers.length, options.maxLength, options.maxFields, this.resourceHash, this.threshold, this.maxEntries, this.maxCount);
    return afterEnter(headers.length, status);
  }

  /** Outgoing header `index` of the last enter (decoded once, when first asked for). */
  function entered(index: number): string {
    outputText ??= decodeOutput(outputLength);
    if (single) return outputText;
    return outgoingAt(outputText, record, index);
  }

  /** After an enter: the output is the outgoing headers, back to back. */
  function afterEnter(count: number, status: number): Uint32Array {
    if (status !== 0) throw new Error(`trace-lineage: the WebAssembly buffers were too small (a bug): status ${status}`);
    const out = result();
    outputLength = count > 0 ? out[(count - 1) * BATCH_SLOTS + B_OUTPUT_END] : 0;
    outputText = undefined;
    single = false;
    return out;
  }

  /** Encode each header (bounded) back to back, their byte lengths in the lengths buffer. */
  function writeBatch(headers: readonly string[], options: ResolvedOptions): number {
    const texts = headers.map((header) => boundedHeader(header, options));
    let units = 0;
    for (const text of texts) units += text.length;
    const keyLength = options.loopKey.length;
    prepare(options, units, texts.length, texts.length * BATCH_SLOTS, batchOutputCapacity(3 * units, texts.length, keyLength));
    const joined = texts.join('');
    const written = encodeAt(joined, 0);
    if (written === joined.length) {
      // All ASCII: a header's bytes are its units.
      for (let i = 0; i < texts.length; i++) lengths[i] = texts[i].length;
      return written;
    }
    // Some header is not ASCII: encode each on its own (no surrogate pair across two headers).
    let offset = 0;
    for (let i = 0; i < texts.length; i++) {
      lengths[i] = encodeAt(texts[i], offset);
      offset += lengths[i];
    }
    return offset;
  }

  return {
    name: 'wasm',

    parse(header, options) {
      const text = boundedHeader(header, options);
      prepare(options, text.length, 0, parseSlots(text.length, options), 0);
      glue.parse(encodeAt(text, 0), options.maxLength, options.maxFields);
      return result();
    },

    validateLineage(value) {
      const length = value.length;
      reserve(3 * length + 4, 0, Math.max(recordCapacity(length, 0), SPLICE_RECORD_LENGTH), 0);
      if (encodeAt(value, 0) !== length) {
        // Not ASCII: one byte per UTF-16 unit instead, so that offsets are the reference's (the
        // value is sliced by them). Every non-ASCII unit becomes 0xff, which, like the unit
        // itself, is no digit, hex, `:` or `|`: the validation sees the same classes.
        for (let i = 0; i < length; i++) {
          const c = value.charCodeAt(i);
          input[i] = c < 0x80 ? c : 0xff;
        }
      }
      glue.validateLineage(length);
      return result();
    },

    enterer: (hash, counter, options): WasmEnterer => ({
      options,
      resourceHash: hash >>> 0,
      threshold: counter.threshold >>> 0,
      maxEntries: counter.maxEntries >>> 0,
      maxCount: counter.maxCount >>> 0,
      enter: enterOne,
      enterBatch: enterMany,
      entered,
    }),

    setField(header, key, value, options) {
      // Key and value are checked whole (an invalid byte anywhere is reported), the header bounded.
      const text = boundedHeader(header, options);
      const units = text.length + key.length + value.length;
      const call = (): number => {
        const headerLength = encodeAt(text, 0);
        const keyLength = encodeAt(key, headerLength);
        const valueLength = encodeAt(value, headerLength + keyLength);
        return glue.setField(headerLength, keyLength, valueLength, options.maxLength, options.maxFields);
      };
      prepare(options, units, 0, parseSlots(text.length, options), Math.min(options.maxLength, 3 * (key.length + value.length) + 4));
      let status = call();
      if (status === E_BUFFER_TOO_SMALL && outputCapacity < options.maxLength) {
        reserve(0, 0, 0, options.maxLength);
        status = call();
      }
      const out = result();
      outputLength = status === 0 ? out[S_INSERT_LENGTH] : 0;
      single = false;
      return out;
    },

    inserted() {
      return outputLength === 0 ? '' : decodeOutput(outputLength);
    },

    resourceHash(resource) {
      reserve(3 * resource.length + 4, 0, 0, 0);
      return glue.resourceHash(encodeAt(resource, 0));
    },

    codeTables() {
      reserve(1024, 0, 0, 0); // the tables fit: the call below need not grow the input buffer
      const length = glue.codeTables();
      inputPointer = glue.inputPointer();
      newViews();
      const text = decoder.decode(new Uint8Array(memory.buffer, inputPointer, length));
      const [errors, diagnostics, reasons] = text.split('\n').map((line) => line.split(','));
      return { errors, diagnostics, reasons };
    },

    siphash(key, message) {
      reserve(KEY_LENGTH + message.length, 0, 0, TAG_HEX_LENGTH);
      writeKey(key);
      input.set(message, KEY_LENGTH);
      return tagOf(glue.siphash(message.length));
    },

    loopTag(key, root, loopValue) {
      const message = loopMessage(root, loopValue);
      reserve(KEY_LENGTH + 3 * message.length, 0, 0, TAG_HEX_LENGTH);
      writeKey(key);
      return tagOf(glue.siphash(encodeAt(message, KEY_LENGTH)));
    },

    floorEmpty() {
      glue.floorEmpty();
    },

    floorEcho(text) {
      reserve(3 * text.length + 4, 0, 0, 3 * text.length + 4);
      return decodeOutput(glue.floorEcho(encodeAt(text, 0)));
    },
  };
}
