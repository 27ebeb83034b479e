/**
 * `#wasm-bytes`: the WebAssembly module's bytes for Node, read only when that backend loads:
 * never on the import path of a process that runs on the native addon. Unbundled in Node as an
 * ES module: the shipped .wasm file. In a bundle (or CommonJS: dist/wasm-bytes.cjs, made by
 * tsup.config.ts): the base64 of `wasm-base64.cjs` (scripts/build-wasm.sh), by a literal
 * `require`, so that the bundle carries the bytes. `fs` from `process.getBuiltinModule` (Node
 * 20.16, 22.3), not imported: an ES-module import of `node:fs` makes Node load its streams
 * (19 built-in modules) at import (ts/backends/native.ts, `openAddonFile`).
 */

/**
 * Whether this is dist/wasm-bytes.js run by Node as an ES module, the one case without a `require` of
 * its own (CommonJS has one, and so does a bundle: the bundler's, which follows the literal
 * specifiers). `typeof require` cannot tell: `node -e` leaves a global one that a bundle sees too.
 */
const unbundledModule = typeof import.meta.url === 'string' && import.meta.url.endsWith('/wasm-bytes.js');

export const wasmBytes = () =>
  unbundledModule
    ? process.getBuiltinModule('fs').readFileSync(new URL('./trace_lineage_wasm.wasm', import.meta.url))
    : Buffer.from(require('./wasm-base64.cjs').wasmBase64, 'base64');
