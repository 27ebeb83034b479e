/**
 * trace-lineage for Node.js: parse and rewrite X-Ray trace headers (`X-Amzn-Trace-Id`) without
 * losing a byte, and stop recursive invocation loops with a Lineage-style counter of our own.
 *
 * One API over three backends with identical results: the native N-API addon (fastest),
 * WebAssembly, and the pure-TypeScript reference (`reference.ts`, the readable spec).
 */
import { wasmBytes } from '#wasm-bytes';
import { registerBackend } from './backend.js';
import { jsBackend } from './backends/js.js';
import { loadNativeBackend } from './backends/native.js';
import { loadWasmBackend, setWasmSource } from './backends/wasm.js';

registerBackend('native', loadNativeBackend);
setWasmSource(wasmBytes);
registerBackend('wasm', loadWasmBackend);
registerBackend('js', () => jsBackend);

export * from './api.js';
