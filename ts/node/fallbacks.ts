/**
 * dist/node-fallbacks.cjs: the backends the ES-module Node entry (ts/node/index.ts) runs only
 * where the native addon does not load, or for arguments too large for it: the js backend (the
 * reference) and WebAssembly. Loaded on first use by ts/node/load-fallbacks.js; one
 * self-contained CommonJS file that requires nothing when it loads (Node runs it unbundled
 * without a CommonJS loader: load-fallbacks.js).
 */
import { loadWasmBackend as load, setWasmSource, type WasmSource } from '../backends/wasm.js';
import type { Backend } from '../backends/types.js';

export { jsBackend } from '../backends/js.js';

/** The module's bytes as a bundle carries them: base64, by a literal `require` a bundler follows. */
const bundledBytes = (): Uint8Array<ArrayBuffer> => Buffer.from((require('./wasm-base64.cjs') as { wasmBase64: string }).wasmBase64, 'base64');

/** The WebAssembly backend, compiled from `source` (unbundled: the shipped .wasm file's bytes). */
export function loadWasmBackend(source: WasmSource = bundledBytes): Backend {
  setWasmSource(source);
  return load();
}
