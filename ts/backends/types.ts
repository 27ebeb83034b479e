/**
 * What every backend implements: the native addon, the WASM module and the TypeScript
 * reference. Results come back as the flat record of `record.ts` (reused between calls: read it
 * before the next call), so the three can be compared slot by slot.
 */
import type { ResolvedOptions } from '../record.js';

export type BackendName = 'native' | 'wasm' | 'js';

/** The loop counter's options, validated by the API: 1 <= maxEntries <= 1024, maxCount > threshold. */
export interface CounterOptions {
  threshold: number;
  maxEntries: number;
  maxCount: number;
}

export interface Backend {
  readonly name: BackendName;
  /** Parse `header`; the record's S_STATUS is 0 or an error code (offset in S_OFFSET). */
  parse(header: string, options: ResolvedOptions): Uint32Array;
  /** Validate a bare Lineage value (record with maxFields 0). */
  validateLineage(value: string): Uint32Array;
  /**
   * An enterer: the loop counter for one resource hash under these options, made once per guard
   * (the native addon keeps them in a configuration handle of its own: no guard reconfigures
   * another's).
   */
  enterer(hash: number, counter: CounterOptions, options: ResolvedOptions): Enterer;
  /** Set `key` to `value`; splice in the record, text via `inserted()`. */
  setField(header: string, key: string, value: string, options: ResolvedOptions): Uint32Array;
  /** The text to insert, after a successful `setField`. */
  inserted(): string;
  /** FNV-1a 32 of the UTF-8 bytes of `resource`. */
  resourceHash(resource: string): number;
  /**
   * SipHash-2-4 of `message` under the 16-byte `key`, as 16 lowercase hex digits (the output
   * bytes in the reference implementation's order). Like every call, it may reuse the last
   * call's record and output: read `entered`/`inserted` first.
   */
  siphash(key: Uint8Array, message: Uint8Array): string;
  /** The tag of a loop field: `siphash(key, root + ";" + loopValue)` (ASCII header values). */
  loopTag(key: Uint8Array, root: string, loopValue: string): string;
  /** The error, diagnostic and reason name tables the backend was compiled with. */
  codeTables(): { errors: string[]; diagnostics: string[]; reasons: string[] };
}

/** The loop counter of one guard (`Backend.enterer`). Its records are reused: read one before the next call on the backend. */
export interface Enterer {
  /**
   * Count an entry of the hash in the loop field: a batch of one. The record holds the header's
   * batch slots (`B_*` of `record.ts`); `entered(0)` is the outgoing header.
   */
  enter(header: string): Uint32Array;
  /**
   * `enter` for each header, in one call: header i's slots start at `i * BATCH_SLOTS` (its error,
   * if any, is its result); `entered(i)` is its outgoing header.
   */
  enterBatch(headers: readonly string[]): Uint32Array;
  /** Outgoing header `index` of this enterer's last `enter`/`enterBatch` ('' where that header failed). */
  entered(index: number): string;
}
