/**
 * The fallback backends of the ES-module Node entry, dist/index.js: dist/node-fallbacks.cjs
 * (ts/node/fallbacks.ts: the js backend, the reference it runs, the WebAssembly backend and its
 * glue), loaded the first time one of them is asked for. A process that runs on the native addon
 * never parses them: 4.4 M instructions less cold start (callgrind). Inlined into dist/index.js
 * (tsup.config.ts), as the addon's candidates are.
 *
 * An ES module has no synchronous import. In a bundle, the literal `require` below is the
 * bundler's: it has bundled the file, whatever its output format. Run by Node as it ships, this
 * code has no `require` (or only the global one `node -e` leaves, which resolves from the
 * working directory), and the file is compiled as the CommonJS loader would, by
 * `vm.compileFunction`, with its own name in stack traces: it requires nothing when it runs. Not
 * by `createRequire`: in a process that has run only ES modules, Node's CommonJS loader costs 7.3
 * M instructions the first time (callgrind), `vm` 2.7 M. Unbundled, the WebAssembly module is
 * read from the shipped .wasm file; a bundle carries it as base64 (node-fallbacks.cjs).
 */
let fallbacks;

function nodeFallbacks() {
  if (fallbacks !== undefined) return fallbacks;
  let part;
  // Where the WebAssembly bytes come from: a bundle's own (undefined: node-fallbacks.cjs's base64), else the .wasm file.
  let wasmSource;
  try {
    part = require('./node-fallbacks.cjs');
  } catch (error) {
    // Not bundled: no `require` here, or the global one of `node -e`, which cannot find it.
    if (!(error instanceof ReferenceError) && error?.code !== 'MODULE_NOT_FOUND') throw error;
  }
  if (part === undefined) {
    const fs = process.getBuiltinModule('fs');
    const file = decodeURIComponent(new URL('./node-fallbacks.cjs', import.meta.url).pathname);
    const module = { exports: {} };
    process.getBuiltinModule('vm').compileFunction(fs.readFileSync(file, 'utf8'), ['exports', 'module'], { filename: file })(module.exports, module);
    part = module.exports;
    wasmSource = () => fs.readFileSync(new URL('./trace_lineage_wasm.wasm', import.meta.url));
  }
  fallbacks = { jsBackend: part.jsBackend, loadWasmBackend: () => part.loadWasmBackend(wasmSource) };
  return fallbacks;
}

// Inlined into dist/index.js without this line (tsup.config.ts, `inlined`).
export { nodeFallbacks };
