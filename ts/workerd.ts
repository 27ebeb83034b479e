/**
 * trace-lineage for workerd (Cloudflare Workers) and other runtimes that import a `.wasm` file
 * as a compiled `WebAssembly.Module` (they refuse to compile WebAssembly from bytes): the
 * shipped `trace_lineage_wasm.wasm`, imported as a module, falling back to the TypeScript
 * reference.
 */
import { registerBackend } from './backend.js';
import { jsBackend } from './backends/js.js';
import { useWasmModule } from './backends/wasm.js';
import wasmModule from './trace_lineage_wasm.wasm';

registerBackend('js', () => jsBackend);
useWasmModule(wasmModule);

export { useWasmModule };
export * from './api.js';
