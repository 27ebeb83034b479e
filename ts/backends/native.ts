/**
 * The native backend: the N-API addon built from `crates/napi` (`npm run build:native`).
 *
 * No string crosses the boundary on the hot path. The header is written as UTF-8 into a
 * grow-only input buffer; the addon fills a grow-only `Uint32Array` record (and, for a rewrite,
 * a buffer of bytes to insert) and returns the status. Strings are built once, by the caller,
 * from the record's offsets; the inserted text only when `inserted()` is asked for.
 *
 * Why the results equal the reference's for any JS string: a header is accepted only if it is
 * visible ASCII, space and tab, so every offset of an accepted header is both a byte offset and
 * a UTF-16 index. A non-ASCII character becomes UTF-8 bytes >= 0x80 (never latin1, which would
 * turn U+0141 into an ASCII `A`), rejected at the same offset the reference reports, because
 * everything before the first non-ASCII unit is ASCII. The same holds for a setter's key and
 * value. A bare Lineage value is validated, not rejected, so its non-ASCII units are written
 * one byte each instead (see `writeLineageValue`).
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { recordCapacity, S_INSERT_LENGTH, SPLICE_RECORD_LENGTH, type ResolvedOptions } from '../record.js';
import type { Backend } from './types.js';

/** The addon's exports (`crates/napi/src/lib.rs`); every hot function returns the status. */
interface NativeAddon {
  parse(input: Uint8Array, inputLength: number, maxLength: number, maxFields: number, loopKey: Uint8Array, record: Uint32Array): number;
  validateLineage(input: Uint8Array, inputLength: number, record: Uint32Array): number;
  enter(
    input: Uint8Array,
    inputLength: number,
    maxLength: number,
    maxFields: number,
    loopKey: Uint8Array,
    hash: number,
    threshold: number,
    maxEntries: number,
    maxCount: number,
    record: Uint32Array,
    insert: Uint8Array,
  ): number;
  /** `input` holds the header, the key and the value back to back. */
  setField(
    input: Uint8Array,
    headerLength: number,
    keyLength: number,
    valueLength: number,
    maxLength: number,
    maxFields: number,
    loopKey: Uint8Array,
    record: Uint32Array,
    insert: Uint8Array,
  ): number;
  resourceHash(input: Uint8Array, inputLength: number): number;
  codeTables(): { errors: string[]; diagnostics: string[]; reasons: string[] };
}

const ADDON_FUNCTIONS = ['parse', 'validateLineage', 'enter', 'setField', 'resourceHash', 'codeTables'] as const;
const BINARY_NAME = 'trace-lineage';
/** Set to an addon's path to load that file and nothing else. */
const PATH_OVERRIDE = 'TRACE_LINEAGE_NATIVE_PATH';

/** napi-rs's platform suffixes for this machine (`linux-x64-gnu`, `darwin-arm64`, ...). */
function platformSuffixes(): string[] {
  const { platform, arch } = process;
  switch (platform) {
    case 'linux':
      return arch === 'arm' ? ['linux-arm-gnueabihf', 'linux-arm-musleabihf'] : [`linux-${arch}-gnu`, `linux-${arch}-musl`];
    case 'win32':
      return [`win32-${arch}-msvc`, `win32-${arch}-gnu`];
    case 'darwin':
      return [`darwin-${arch}`, 'darwin-universal'];
    default:
      return [`${platform}-${arch}`];
  }
}

/** Where the addon may be: `native/` next to `ts/` (run from source) or next to `dist/` (bundled). */
function candidatePaths(): string[] {
  const override = process.env[PATH_OVERRIDE];
  if (override) return [override];
  const paths: string[] = [];
  for (const directory of ['../../native/', '../native/']) {
    for (const suffix of platformSuffixes()) {
      paths.push(fileURLToPath(new URL(`${directory}${BINARY_NAME}.${suffix}.node`, import.meta.url)));
    }
  }
  return paths;
}

/** Load the addon from the first candidate that works; else every failure, chained. */
function loadAddon(): NativeAddon {
  const require = createRequire(import.meta.url);
  let failure: Error | undefined;
  const paths = candidatePaths();
  for (const path of paths) {
    try {
      const addon = require(path) as Partial<NativeAddon>;
      const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
      if (missing.length > 0) throw new Error(`not a trace-lineage addon, or a stale one: no ${missing.join(', ')}`);
      return addon as NativeAddon;
    } catch (error) {
      // Each attempt's failure is the cause of the next one's: the final error holds them all.
      const message = error instanceof Error ? error.message : String(error);
      failure = new Error(`${path}: ${message}`, { cause: failure });
    }
  }
  const tried = process.env[PATH_OVERRIDE] ? PATH_OVERRIDE : `${paths.length} candidate paths`;
  throw new Error(
    `trace-lineage: no native addon for ${process.platform}-${process.arch} could be loaded from ${tried} (build it with \`npm run build:native\`)`,
    { cause: failure },
  );
}

/** `Buffer#utf8Write` / `Buffer#latin1Slice` skip `write`/`toString`'s argument parsing. */
interface FastBuffer extends Buffer {
  utf8Write?(text: string, offset: number): number;
  latin1Slice?(start: number, end: number): string;
}
const writeUtf8: (buffer: FastBuffer, text: string, offset: number) => number =
  typeof (Buffer.prototype as FastBuffer).utf8Write === 'function'
    ? (buffer, text, offset) => (buffer.utf8Write as (text: string, offset: number) => number).call(buffer, text, offset)
    : (buffer, text, offset) => buffer.write(text, offset, 'utf8');
const readLatin1: (buffer: FastBuffer, length: number) => string =
  typeof (Buffer.prototype as FastBuffer).latin1Slice === 'function'
    ? (buffer, length) => (buffer.latin1Slice as (start: number, end: number) => string).call(buffer, 0, length)
    : (buffer, length) => buffer.toString('latin1', 0, length);

const utf8Encoder = new TextEncoder();

/** A byte standing for any non-ASCII UTF-16 unit of a Lineage value (see `writeLineageValue`). */
const NON_ASCII = 0x80;

/** Load the addon (synchronously) and wrap it in the `Backend` interface. Throws if it cannot load. */
export function loadNativeBackend(): Backend {
  const addon = loadAddon();

  // Grow-only buffers, reused by every call.
  let input: FastBuffer = Buffer.allocUnsafeSlow(1024);
  let record = new Uint32Array(recordCapacity(256, 64));
  let insert: FastBuffer = Buffer.allocUnsafeSlow(1024);
  let insertLength = 0;
  let loopKey = '';
  let loopKeyBytes = new Uint8Array(0);

  /** UTF-8 of any string of `units` UTF-16 units fits in 3 bytes a unit (a pair takes 4 for 2). */
  function inputFor(units: number): FastBuffer {
    const needed = 3 * units + 4;
    if (input.length < needed) input = Buffer.allocUnsafeSlow(Math.max(needed, 2 * input.length));
    return input;
  }

  function recordFor(length: number, maxFields: number): Uint32Array {
    const needed = Math.max(recordCapacity(length, maxFields), SPLICE_RECORD_LENGTH);
    if (record.length < needed) record = new Uint32Array(Math.max(needed, 2 * record.length));
    return record;
  }

  /**
   * Room for the bytes a rewrite inserts: never more than `maxLength` (a longer result is
   * `too_long` before it is written), nor than `bound`, so the buffer follows the input's size.
   */
  function insertFor(maxLength: number, bound: number): FastBuffer {
    const needed = Math.min(maxLength, bound);
    if (insert.length < needed) insert = Buffer.allocUnsafeSlow(Math.max(needed, 2 * insert.length));
    return insert;
  }

  /** The loop key's bytes, encoded again only when it changes (in memory of their own). */
  function loopKeyFor(options: ResolvedOptions): Uint8Array {
    if (options.loopKey !== loopKey) {
      loopKeyBytes = utf8Encoder.encode(options.loopKey);
      loopKey = options.loopKey;
    }
    return loopKeyBytes;
  }

  /**
   * At most `maxLength + 1` units of a header: the core checks the bytes of the first
   * `maxLength`, then the length, so a 1 MB header costs no more than one at the limit.
   */
  const bounded = (header: string, options: ResolvedOptions): string =>
    header.length > options.maxLength + 1 ? header.slice(0, options.maxLength + 1) : header;

  /** Write a header from offset 0; its length in bytes. */
  function writeHeader(header: string, options: ResolvedOptions): number {
    const text = bounded(header, options);
    return writeUtf8(inputFor(text.length), text, 0);
  }

  /**
   * A Lineage value is validated, never rejected, and its offsets must be UTF-16 indices: an
   * ASCII value is its UTF-8; otherwise each UTF-16 unit becomes one byte, non-ASCII ones
   * `NON_ASCII`, which every check of the core (`:`, `|`, hex, digits) treats as the reference
   * treats any non-ASCII unit.
   */
  function writeLineageValue(value: string): number {
    const buffer = inputFor(value.length);
    const written = writeUtf8(buffer, value, 0);
    if (written === value.length) return written; // every unit ASCII (any other takes 2+ bytes)
    for (let i = 0; i < value.length; i++) {
      const unit = value.charCodeAt(i);
      buffer[i] = unit < 0x80 ? unit : NON_ASCII;
    }
    return value.length;
  }

  /** Remember what to insert after a rewrite: nothing when it failed. */
  function afterRewrite(status: number): Uint32Array {
    insertLength = status === 0 ? record[S_INSERT_LENGTH] : 0;
    return record;
  }

  return {
    name: 'native',
    parse(header, options) {
      const length = writeHeader(header, options);
      const out = recordFor(Math.min(length, options.maxLength + 1), options.maxFields);
      addon.parse(input, length, options.maxLength, options.maxFields, loopKeyFor(options), out);
      return out;
    },
    validateLineage(value) {
      const length = writeLineageValue(value);
      const out = recordFor(length, 0);
      addon.validateLineage(input, length, out);
      return out;
    },
    enter(header, hash, { threshold, maxEntries, maxCount }, options) {
      const length = writeHeader(header, options);
      const key = loopKeyFor(options);
      // The new loop value is at most the old one (within the header) plus one `|hash:count`
      // (20 bytes); without a loop field, `;key=` comes first.
      const status = addon.enter(
        input,
        length,
        options.maxLength,
        options.maxFields,
        key,
        hash,
        threshold,
        maxEntries,
        maxCount,
        recordFor(0, 0),
        insertFor(options.maxLength, length + key.length + 32),
      );
      return afterRewrite(status);
    },
    setField(header, key, value, options) {
      // Key and value are written whole: the reference reports their first bad unit wherever it is.
      const text = bounded(header, options);
      const buffer = inputFor(text.length + key.length + value.length);
      const headerLength = writeUtf8(buffer, text, 0);
      const keyLength = writeUtf8(buffer, key, headerLength);
      const valueLength = writeUtf8(buffer, value, headerLength + keyLength);
      const status = addon.setField(
        buffer,
        headerLength,
        keyLength,
        valueLength,
        options.maxLength,
        options.maxFields,
        loopKeyFor(options),
        recordFor(0, 0),
        insertFor(options.maxLength, keyLength + valueLength + 2), // `;key=value`, or the value
      );
      return afterRewrite(status);
    },
    // A successful rewrite inserts only ASCII (a valid key/value, the loop key, entries copied
    // from an accepted header), so latin1 decodes it exactly.
    inserted: () => (insertLength === 0 ? '' : readLatin1(insert, insertLength)),
    resourceHash(resource) {
      const length = writeUtf8(inputFor(resource.length), resource, 0);
      return addon.resourceHash(input, length);
    },
    codeTables() {
      const tables = addon.codeTables();
      return { errors: [...tables.errors], diagnostics: [...tables.diagnostics], reasons: [...tables.reasons] };
    },
  };
}
