/**
 * trace-lineage for Node.js as an ES module where addons load (package.json `.` under the
 * `node-addons` condition: dist/index.js, one file): the API and the native backend. The
 * WebAssembly and js backends come from dist/node-fallbacks.cjs the first time they are asked
 * for (./load-fallbacks.js): a process on the native addon never parses them. The same API as
 * ts/index.ts (CommonJS, and ES-module bundles built without `node-addons`).
 */
import { registerBackend } from '../backend.js';
import { loadNativeBackend } from '../backends/native.js';
import { nodeFallbacks } from './load-fallbacks.js';

registerBackend('native', loadNativeBackend);
registerBackend('wasm', () => nodeFallbacks().loadWasmBackend());
registerBackend('js', () => nodeFallbacks().jsBackend);

export * from '../api.js';
