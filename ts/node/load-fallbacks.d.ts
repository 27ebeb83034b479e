import type { Backend } from '../backends/types.js';

/** The js and WebAssembly backends, loaded on first use (load-fallbacks.js). */
export declare function nodeFallbacks(): { jsBackend: Backend; loadWasmBackend: () => Backend };
