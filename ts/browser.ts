/**
 * trace-lineage for browsers and workers: the same API, on WebAssembly (inlined, loaded
 * synchronously), falling back to the TypeScript reference where WebAssembly cannot be compiled
 * (a Content-Security-Policy without `wasm-unsafe-eval`): `backendName()` and `loadFailures()`
 * say which runs and why. `useWasmModule` hands over a module compiled elsewhere.
 */
import { registerBackend } from './backend.js';
import { jsBackend } from './backends/js.js';
import { loadWasmBackend, setWasmSource } from './backends/wasm.js';
import { wasmBase64 } from './generated/wasm-bytes.js';

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

setWasmSource(() => decodeBase64(wasmBase64));
registerBackend('wasm', loadWasmBackend);
registerBackend('js', () => jsBackend);

export { useWasmModule } from './backends/wasm.js';
export * from './api.js';
