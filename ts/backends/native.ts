/**
 * The native backend: the N-API addon built from `crates/napi`, from its platform package
 * (`trace-lineage-linux-x64-gnu`, ...) or the repository's `native/` (`#native-addon`).
 *
 * The hot calls are plain N-API callbacks (`crates/napi/src/raw.rs`): the header goes in as the
 * JS string itself, results come back in a grow-only `Uint32Array` record passed with each
 * call, and text (an outgoing header, the bytes a setter inserts) as one flat string built in
 * Rust. Options, counter options and the resource hash go to the addon once, with `configure`,
 * which returns a handle: each enterer (one per guard) holds its own, and a parse or set passes
 * the one of its options object (made once per options object). A single `enter` passes the
 * handle and the header: its results go into the addon's own slots (`slots()`, an external
 * buffer taken once), so that no typed array is looked up per call.
 *
 * Why the results equal the reference's for any JS string: the addon reads each UTF-16 unit as
 * one byte (ASCII as itself, anything else 0x80, which no check of the core accepts), so every
 * offset is the reference's UTF-16 index and a non-ASCII character is rejected exactly where the
 * reference rejects it. Only the read bound of a header is read (`readLength` in `record.ts`).
 */
import * as nativeAddon from '#native-addon';
import type { NativeAddonMissing } from '#native-addon';
import { BATCH_SLOTS, outgoingAt, readLength, recordCapacity, SPLICE_RECORD_LENGTH, type ResolvedOptions } from '../record.js';
import type { Backend, CounterOptions, Enterer } from './types.js';

/** A handle to one `configure` call's options (a JS external; the addon frees it when it is collected). */
export type NativeConfiguration = { readonly nativeConfiguration: unique symbol };

/** The addon's exports (`crates/napi/src/lib.rs`, `raw.rs`). */
export interface NativeAddon {
  /** A handle to these options, counter options and the resource hash `enter`/`enterBatch` count. */
  configure(maxLength: number, maxFields: number, loopKey: string, threshold: number, maxEntries: number, maxCount: number, hash: number): NativeConfiguration;
  /**
   * The addon's own `BATCH_SLOTS` slots, which `enter` writes into (no typed-array lookup per
   * call). Throws where external buffers are not allowed (Electron's V8 sandbox).
   */
  slots(): Uint32Array;
  /** The status; the parse record in `record`. */
  parse(configuration: NativeConfiguration, header: string, record: Uint32Array): number;
  validateLineage(value: string, record: Uint32Array): number;
  /** The outgoing header ('' on error); its batch slots in `slots()`. */
  enter(configuration: NativeConfiguration, header: string): string;
  /** The outgoing headers back to back; header i's batch slots from `i * BATCH_SLOTS`. */
  enterBatch(configuration: NativeConfiguration, headers: readonly string[], record: Uint32Array): string;
  /** The text to insert; the splice in `record`. */
  setField(configuration: NativeConfiguration, header: string, key: string, value: string, record: Uint32Array): string;
  resourceHash(resource: string): number;
  /** SipHash-2-4 of `message` under the 16-byte `key`: 16 lowercase hex digits. */
  siphash(key: Uint8Array, message: Uint8Array): string;
  /** The tag of a loop field (`crates/core/src/siphash.rs`). */
  loopTag(key: Uint8Array, root: string, loopValue: string): string;
  /** Benchmark floors: an empty call, and a string in and out. */
  floorEmpty(): void;
  floorEcho(text: string): string;
  codeTables(): { errors: string[]; diagnostics: string[]; reasons: string[] };
}

const ADDON_FUNCTIONS = ['configure', 'slots', 'parse', 'validateLineage', 'enter', 'enterBatch', 'setField', 'resourceHash', 'floorEmpty', 'floorEcho', 'codeTables'] as const;
/** Set to an addon's path to load that file and nothing else. */
const PATH_OVERRIDE = 'TRACE_LINEAGE_NATIVE_PATH';
/** Set to 1 to silence the notice that a bundle runs on WebAssembly. */
const QUIET = 'TRACE_LINEAGE_QUIET';

/** The exports, if they are a trace-lineage addon of this version; else throws. */
function accept(exports: unknown): NativeAddon {
  const addon = (exports ?? {}) as Partial<NativeAddon>;
  const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
  if (missing.length > 0) throw new Error(`not a trace-lineage addon, or a stale one: no ${missing.join(', ')}`);
  // An addon from before configuration handles returns nothing here.
  if (typeof (addon as NativeAddon).configure(1, 1, 'x', 0, 1, 1, 0) !== 'object') throw new Error('a stale trace-lineage addon: configure returns no handle');
  return addon as NativeAddon;
}

const firstLine = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split('\n', 1)[0];

/**
 * The exports of the addon file at `path`, from `process.dlopen`, once per real path: kept on
 * `globalThis`, so that every copy of this module (the ESM and CommonJS builds, two bundles)
 * shares one exports object per file (the addon's result slots are per thread: see `sharedSlots`).
 * `fs` from `process.getBuiltinModule` (Node 20.16, 22.3): an ES-module import of `node:fs`
 * makes Node load its streams (19 built-in modules) at import: with `node:module`'s, 36 M
 * instructions of cold start (valgrind), about 4 ms.
 */
function openAddonFile(path: string): unknown {
  const shared = globalThis as unknown as Record<symbol, Map<string, unknown> | undefined>;
  const byFile = (shared[Symbol.for('trace-lineage.native-addons')] ??= new Map());
  const file = process.getBuiltinModule('fs').realpathSync.native(path);
  let exports = byFile.get(file);
  if (exports === undefined) {
    const loaded = { exports: {} };
    process.dlopen(loaded, file);
    exports = loaded.exports;
    byFile.set(file, exports);
  }
  return exports;
}

/** `TRACE_LINEAGE_NATIVE_PATH`: that file and nothing else. */
function loadOverride(path: string): { addon: NativeAddon; from: string } {
  try {
    return { addon: accept(openAddonFile(path)), from: path };
  } catch (error) {
    throw new Error(`trace-lineage: ${PATH_OVERRIDE}=${path} could not be loaded: ${firstLine(error)}`, { cause: error });
  }
}

/** One line on stderr (once: backend.ts loads each backend once): a bundle runs on WebAssembly. */
function noticeBundledWithoutAddon(): void {
  if (process.env[QUIET] === '1') return;
  process.stderr.write(
    'trace-lineage: this bundle has no native addon, running on WebAssembly (bundle with --conditions=node-addons --loader:.node=copy, or keep trace-lineage external; TRACE_LINEAGE_QUIET=1 hides this)\n',
  );
}

/**
 * The addon: the file `TRACE_LINEAGE_NATIVE_PATH` names, else the first candidate of
 * `#native-addon` for this machine that loads; else an error that lists what was tried, in
 * order, each failure also in the `cause` chain, and what to do.
 */
function loadAddon(): { addon: NativeAddon; from: string } {
  const override = process.env[PATH_OVERRIDE];
  if (override) return loadOverride(override);
  if (nativeAddon.bundled) {
    noticeBundledWithoutAddon();
    throw new Error(
      'trace-lineage: this bundle has no native addon: it was built without the node-addons condition (esbuild: --conditions=node-addons --loader:.node=copy), or this runtime cannot load addons',
    );
  }
  const target = nativeAddon.nativeTarget();
  const result = nativeAddon.loadNativeAddon(target, accept, openAddonFile);
  if ('addon' in result) return result;
  throw notLoaded(target, result.tried);
}

/** Why no candidate for `target` loaded: each attempt, in order, and what to do. */
function notLoaded(target: string, tried: NativeAddonMissing['tried']): Error {
  if (tried.length === 0) {
    return new Error(`trace-lineage: no native addon is built for ${target} (WebAssembly runs instead; ${PATH_OVERRIDE} loads an addon built for it)`);
  }
  // Each failure, whole, is the cause of the one before: the final error holds them all.
  const cause = tried.reduceRight<Error | undefined>(
    (next, { from, error }) => new Error(`${from}: ${error instanceof Error ? error.message : String(error)}`, { cause: next }),
    undefined,
  );
  const attempts = tried.map(({ from, error }, i) => `(${i + 1}) ${from}: ${firstLine(error)}`).join('; ');
  return new Error(
    `trace-lineage: the native addon for ${target} could not be loaded; tried ${attempts}. ` +
      `Install the optional dependency trace-lineage-${target} (npm skips it with --omit=optional, or when package-lock.json was made on another platform), ` +
      `or set ${PATH_OVERRIDE} to a trace-lineage.${target}.node`,
    { cause },
  );
}

/**
 * The slots the addon writes a single enter's results into: one `slots()` array per exports
 * object, kept on it, since every copy of this module that loaded the same file (the ESM and
 * CommonJS builds, through `require`'s cache) shares the addon's per-thread state, which points
 * to the last `slots()` array it made. Throws where external buffers are not allowed: the native
 * backend then does not load (WebAssembly runs instead).
 */
const SLOTS = Symbol.for('trace-lineage.native-slots');
function sharedSlots(addon: NativeAddon): Uint32Array {
  const holder = addon as unknown as Record<symbol, Uint32Array | undefined>;
  let slots = holder[SLOTS];
  if (slots === undefined) {
    slots = addon.slots();
    Object.defineProperty(holder, SLOTS, { value: slots });
  }
  return slots;
}

/** The addon, loaded once (the backend and the benchmark floors share it). */
let loadedAddon: NativeAddon | undefined;
export function loadNativeAddon(): NativeAddon {
  loadedAddon ??= loadAddon().addon;
  return loadedAddon;
}

/** One guard's loop counter: its configuration handle, and its last outgoing headers (back to back for a batch, delimited by the batch's record). */
interface NativeEnterer extends Enterer {
  readonly configuration: NativeConfiguration;
  outgoing: string;
  batchRecord: Uint32Array | undefined;
}

/** The counter options of a configuration for parse and set only (which do not count). */
const UNUSED_COUNTER: CounterOptions = { threshold: 16, maxEntries: 8, maxCount: 0xffffffff };

/** Load the addon (synchronously) and wrap it in the `Backend` interface. Throws if it cannot load. */
export function loadNativeBackend(): Backend {
  const native = loadNativeAddon();
  const held = sharedSlots(native);
  const configure = (options: ResolvedOptions, counter: CounterOptions, hash: number): NativeConfiguration =>
    native.configure(options.maxLength, options.maxFields, options.loopKey, counter.threshold, counter.maxEntries, counter.maxCount, hash);

  // A grow-only record, passed with every call but a single enter (made by the first).
  let record = new Uint32Array(0);
  function recordFor(slots: number): Uint32Array {
    if (record.length < slots) record = new Uint32Array(Math.max(slots, 2 * record.length));
    return record;
  }
  const parseSlots = (length: number, options: ResolvedOptions): number =>
    recordCapacity(readLength(length, options), options.maxFields);

  // The configuration of each options object a parse or set was called with (the API resolves
  // options once per guard, and shares one object for the defaults); collected with it.
  const optionsConfigurations = new WeakMap<ResolvedOptions, NativeConfiguration>();
  function configurationOf(options: ResolvedOptions): NativeConfiguration {
    let configuration = optionsConfigurations.get(options);
    if (configuration === undefined) {
      configuration = configure(options, UNUSED_COUNTER, 0);
      optionsConfigurations.set(options, configuration);
    }
    return configuration;
  }

  // Every enterer shares these functions (its state is on it): the API's call sites stay
  // monomorphic however many guards there are.
  function enterOne(this: NativeEnterer, header: string): Uint32Array {
    this.outgoing = native.enter(this.configuration, header);
    this.batchRecord = undefined;
    return held;
  }
  function enterMany(this: NativeEnterer, headers: readonly string[]): Uint32Array {
    const batchRecord = recordFor(headers.length * BATCH_SLOTS);
    this.outgoing = native.enterBatch(this.configuration, headers, batchRecord);
    this.batchRecord = batchRecord;
    return batchRecord;
  }
  function enteredAt(this: NativeEnterer, index: number): string {
    return this.batchRecord === undefined ? this.outgoing : outgoingAt(this.outgoing, this.batchRecord, index);
  }

  let insert = '';

  return {
    name: 'native',
    parse(header, options) {
      const out = recordFor(parseSlots(header.length, options));
      native.parse(configurationOf(options), header, out);
      return out;
    },
    validateLineage(value) {
      const out = recordFor(recordCapacity(value.length, 0));
      native.validateLineage(value, out);
      return out;
    },
    enterer: (hash, counter, options): NativeEnterer => ({
      configuration: configure(options, counter, hash),
      outgoing: '',
      batchRecord: undefined,
      enter: enterOne,
      enterBatch: enterMany,
      entered: enteredAt,
    }),
    setField(header, key, value, options) {
      const out = recordFor(Math.max(parseSlots(header.length, options), SPLICE_RECORD_LENGTH));
      insert = native.setField(configurationOf(options), header, key, value, out);
      return out;
    },
    inserted: () => insert,
    resourceHash: (resource) => native.resourceHash(resource),
    siphash: (key, message) => native.siphash(key, message),
    loopTag: (key, root, loopValue) => native.loopTag(key, root, loopValue),
    codeTables() {
      const tables = native.codeTables();
      return { errors: [...tables.errors], diagnostics: [...tables.diagnostics], reasons: [...tables.reasons] };
    },
  };
}
