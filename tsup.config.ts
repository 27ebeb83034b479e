import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { buildSync } from 'esbuild';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';

const integrations = {
  aws: 'ts/integrations/aws-sdk.ts',
  lambda: 'ts/integrations/lambda.ts',
  otel: 'ts/integrations/otel.ts',
};
// What users measure and fuzz with: `trace-lineage/bench` (runBench) and `trace-lineage/testing` (fast-check arbitraries, fuzz).
const tools = {
  bench: 'ts/bench/index.ts',
  testing: 'ts/testing/index.ts',
};

/**
 * Into dist/ as they are: the files behind package.json's `imports` (each candidate a literal
 * `require` a bundler can follow), as ES modules and, converted here, as CommonJS; the
 * WebAssembly module (workerd imports it, Node reads it) and its base64 (bundles carry it).
 */
const copied = ['ts/node/native-addon-absent.cjs', 'ts/generated/wasm-base64.cjs', 'ts/generated/trace_lineage_wasm.wasm'];
const dual = ['ts/node/native-addon.js', 'ts/node/wasm-bytes.js'];
const fileName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
async function copyUnbundled(): Promise<void> {
  mkdirSync('dist', { recursive: true });
  for (const file of [...copied, ...dual]) copyFileSync(file, `dist/${fileName(file)}`);
  for (const file of dual) {
    // CommonJS has a `require` of its own: the `import.meta` branches never run there.
    buildSync({ entryPoints: [file], outfile: `dist/${fileName(file).replace(/\.js$/, '.cjs')}`, format: 'cjs', platform: 'node', target: 'node20', logOverride: { 'empty-import-meta': 'silent' } });
  }
}

// Cleaned once, here: with `clean` set, a config's declaration step deletes every .d.ts in dist/,
// the other configs' too (they build in parallel), which is how dist/browser.d.ts went missing.
rmSync('dist', { recursive: true, force: true });

/**
 * `#wasm-bytes` becomes the relative path of the file beside the chunks (ES module or CommonJS
 * as the build): each package.json `imports` lookup costs Node about 5–10 M instructions at import
 * (valgrind, a fifth of the whole cold start), and this one needs no condition.
 */
const wasmBytesBeside: Plugin = {
  name: 'wasm-bytes-beside',
  setup(build) {
    // tsup builds CommonJS with splitting as ES modules converted later: the extension tells.
    const file = build.initialOptions.outExtension?.['.js'] === '.cjs' ? './wasm-bytes.cjs' : './wasm-bytes.js';
    build.onResolve({ filter: /^#wasm-bytes$/ }, () => ({ path: file, external: true }));
  },
};

export default defineConfig([
  {
    // Node: ESM + CJS, native → wasm → js; the integrations as subpaths (`trace-lineage/aws`, ...).
    entry: { index: 'ts/index.ts', cli: 'ts/cli.ts', ...integrations, ...tools },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'ts/index.ts', ...integrations, ...tools } },
    target: 'node20',
    platform: 'node',
    // `import.meta.url` in CommonJS (ts/bench reads the package's own package.json with it).
    shims: true,
    // No source maps ship: with their sources they were 44% of the tarball, without them 17%.
    sourcemap: false,
    // Resolved by Node at run time (package.json `imports`), and by a user's bundler.
    external: ['#native-addon'],
    esbuildPlugins: [wasmBytesBeside],
    // One copy of the API in chunks shared by the entries (one TraceHeaderError class, one
    // backend); the demo is a chunk of its own, loaded only by `trace-lineage demo`.
    splitting: true,
    onSuccess: copyUnbundled,
  },
  {
    // Browsers and workers: ESM and CJS (for bundlers), wasm (inlined) → js, no Node built-ins.
    entry: { browser: 'ts/browser.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { browser: 'ts/browser.ts' } },
    target: 'es2022',
    platform: 'browser',
    sourcemap: false,
    splitting: false,
  },
  {
    // workerd: an ES module worker; the shipped .wasm file imported as a module (the import is
    // kept for the runtime or its bundler, wrangler, to resolve).
    entry: { workerd: 'ts/workerd.ts' },
    format: ['esm'],
    dts: { entry: { workerd: 'ts/workerd.ts' } },
    target: 'es2022',
    platform: 'neutral',
    sourcemap: false,
    external: [/\.wasm$/],
    splitting: false,
  },
]);
