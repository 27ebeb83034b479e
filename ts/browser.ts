/**
 * trace-lineage for browsers and workers: the same API, on WebAssembly (inlined, loaded
 * synchronously), falling back to the TypeScript reference.
 */
import { registerBackend } from './backend.js';
import { loadWasmBackend } from './backends/wasm.js';

registerBackend('wasm', loadWasmBackend);

export * from './api.js';
