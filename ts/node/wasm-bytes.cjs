'use strict';
/**
 * `#wasm-bytes`: the WebAssembly module's bytes for Node, decoded from `wasm-base64.cjs` (made
 * by scripts/build-wasm.sh) only when that backend loads: never on the import path of a process
 * that runs on the native addon. A literal `require`, so that a bundle carries the bytes.
 */
exports.wasmBytes = () => Buffer.from(require('./wasm-base64.cjs').wasmBase64, 'base64');
