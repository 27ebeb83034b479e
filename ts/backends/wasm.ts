/**
 * The WebAssembly backend: `crates/wasm` (the Rust core) behind the `Backend` interface.
 *
 * es-module-lexer style: the instance owns grow-only scratch buffers in its linear memory (the
 * input bytes, the `u32` record, the bytes to insert). A call writes the header with
 * `TextEncoder.encodeInto` at the input pointer, passes lengths and options as numbers, and
 * returns a `Uint32Array` view of the record; no string crosses the boundary on the hot path and
 * nothing needs freeing. The views are re-taken whenever memory has grown (`memory.buffer`
 * changes identity). The bytes are inlined (`ts/generated/wasm-bytes.ts`), so loading is
 * synchronous in Node, browsers and workers alike.
 */
import * as glue from '../generated/trace_lineage_wasm.js';
import { wasmBase64 } from '../generated/wasm-bytes.js';
import { recordCapacity, SPLICE_RECORD_LENGTH, S_INSERT_LENGTH, type ResolvedOptions } from '../record.js';
import type { Backend } from './types.js';

const E_BUFFER_TOO_SMALL = 8;
const U32_MAX = 0xffffffff;

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let loaded: Backend | undefined;

/** Instantiate the module (once) and return the backend; throws, with a `cause`, if it cannot. */
export function loadWasmBackend(): Backend {
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
    return glue.initSync({ module: new WebAssembly.Module(decodeBase64(wasmBase64)) });
  } catch (error) {
    throw new Error('trace-lineage: the WebAssembly module could not be instantiated', { cause: error });
  }
}

function createWasmBackend(): Backend {
  const { memory } = instantiate();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  // The scratch buffers: where they are and how large, as last reserved.
  let inputPointer = 0;
  let inputCapacity = 0;
  let recordPointer = 0;
  let recordSlots = 0;
  let insertPointer = 0;
  let insertCapacity = 0;
  // Views of linear memory, re-taken when memory grows (its buffer changes identity).
  let buffer: ArrayBufferLike | undefined;
  let input = new Uint8Array(0);
  let record = new Uint32Array(0);
  // The loop key the instance holds (sent again only when it changes).
  let loopKey: string | undefined;
  let insertLength = 0;

  function views(): void {
    if (memory.buffer === buffer) return;
    buffer = memory.buffer;
    input = new Uint8Array(buffer, inputPointer, inputCapacity);
    record = new Uint32Array(buffer, recordPointer, recordSlots);
  }

  const clampU32 = (n: number): number => Math.min(Math.ceil(n), U32_MAX);
  const grown = (needed: number, capacity: number): number =>
    needed <= capacity ? capacity : clampU32(Math.max(needed, 2 * capacity));

  /** Grow the buffers to at least these sizes (doubling, so that growth is rare). */
  function reserve(inputBytes: number, slots: number, insertBytes: number): void {
    if (inputBytes <= inputCapacity && slots <= recordSlots && insertBytes <= insertCapacity) return;
    let sizes = [grown(inputBytes, inputCapacity), grown(slots, recordSlots), grown(insertBytes, insertCapacity)];
    if (glue.reserve(sizes[0], sizes[1], sizes[2]) !== 1) {
      sizes = [Math.max(inputCapacity, clampU32(inputBytes)), Math.max(recordSlots, clampU32(slots)), Math.max(insertCapacity, clampU32(insertBytes))];
      if (glue.reserve(sizes[0], sizes[1], sizes[2]) !== 1) throw new RangeError('trace-lineage: out of WebAssembly memory');
    }
    [inputCapacity, recordSlots, insertCapacity] = sizes;
    inputPointer = glue.inputPointer();
    recordPointer = glue.recordPointer();
    insertPointer = glue.insertPointer();
    buffer = undefined;
    views();
  }

  /** Reserve for `units` UTF-16 units of input (3 bytes each at most) and send the loop key. */
  function prepare(options: ResolvedOptions, units: number, slots: number, insertBytes: number): void {
    const key = options.loopKey;
    reserve(3 * Math.max(units, key.length) + 4, Math.max(slots, SPLICE_RECORD_LENGTH), insertBytes);
    if (key !== loopKey) {
      const { written } = encoder.encodeInto(key, input);
      if (glue.setLoopKey(written) !== 1) throw new RangeError('trace-lineage: out of WebAssembly memory');
      loopKey = key;
      views();
    }
  }

  /** At most maxLength + 1 units of the header: enough for the same answer as the whole. */
  const bounded = (header: string, options: ResolvedOptions): string =>
    header.length > options.maxLength + 1 ? header.slice(0, options.maxLength + 1) : header;

  /** Slots of a parse record for `units` units (≤ 3 bytes each) under `options`. */
  const parseSlots = (units: number, options: ResolvedOptions): number =>
    recordCapacity(Math.min(3 * units, options.maxLength + 1), options.maxFields);

  /** Write `text` as UTF-8 at `offset` in the input buffer; the number of bytes. */
  const encodeAt = (text: string, offset: number): number =>
    encoder.encodeInto(text, offset === 0 ? input : input.subarray(offset)).written;

  /** The record after a call (memory may have grown, though the hot calls never allocate). */
  function result(): Uint32Array {
    views();
    return record;
  }

  /** Run a splice call; retry once with a maxLength-byte insert buffer if it was too small. */
  function splice(call: () => number, maxLength: number): Uint32Array {
    let status = call();
    if (status === E_BUFFER_TOO_SMALL && insertCapacity < maxLength) {
      reserve(0, 0, maxLength);
      status = call();
    }
    const out = result();
    insertLength = status === 0 ? out[S_INSERT_LENGTH] : 0;
    return out;
  }

  return {
    name: 'wasm',

    parse(header, options) {
      const text = bounded(header, options);
      prepare(options, text.length, parseSlots(text.length, options), 0);
      glue.parse(encodeAt(text, 0), options.maxLength, options.maxFields);
      return result();
    },

    validateLineage(value) {
      const length = value.length;
      reserve(3 * length + 4, Math.max(recordCapacity(length, 0), SPLICE_RECORD_LENGTH), 0);
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

    enter(header, hash, { threshold, maxEntries, maxCount }, options) {
      const text = bounded(header, options);
      // The new loop value: at most the old one (≤ the header) plus our entry, key and separators.
      const insertBytes = Math.min(options.maxLength, 3 * text.length + options.loopKey.length + 32);
      prepare(options, text.length, parseSlots(text.length, options), insertBytes);
      const length = encodeAt(text, 0);
      const { maxLength, maxFields } = options;
      return splice(() => glue.enter(length, maxLength, maxFields, hash >>> 0, threshold >>> 0, maxEntries >>> 0, maxCount >>> 0), maxLength);
    },

    setField(header, key, value, options) {
      // Key and value are checked whole (an invalid byte anywhere is reported), the header bounded.
      const text = bounded(header, options);
      const units = text.length + key.length + value.length;
      const insertBytes = Math.min(options.maxLength, 3 * (key.length + value.length) + 4);
      prepare(options, units, parseSlots(text.length, options), insertBytes);
      const headerLength = encodeAt(text, 0);
      const keyLength = encodeAt(key, headerLength);
      const valueLength = encodeAt(value, headerLength + keyLength);
      const { maxLength, maxFields } = options;
      return splice(() => glue.setField(headerLength, keyLength, valueLength, maxLength, maxFields), maxLength);
    },

    inserted() {
      if (insertLength === 0) return '';
      views();
      const bytes = new Uint8Array(memory.buffer, insertPointer, insertLength);
      // ASCII (a header's bytes): for short texts fromCharCode beats a TextDecoder call.
      return insertLength <= 1024 ? String.fromCharCode.apply(null, bytes as unknown as number[]) : decoder.decode(bytes);
    },

    resourceHash(resource) {
      reserve(3 * resource.length + 4, 0, 0);
      return glue.resourceHash(encodeAt(resource, 0));
    },

    codeTables() {
      reserve(1024, 0, 0); // the tables fit: the call below need not grow the input buffer
      const length = glue.codeTables();
      inputPointer = glue.inputPointer();
      buffer = undefined;
      views();
      const text = decoder.decode(new Uint8Array(memory.buffer, inputPointer, length));
      const [errors, diagnostics, reasons] = text.split('\n').map((line) => line.split(','));
      return { errors, diagnostics, reasons };
    },
  };
}
