import { copyFileSync, mkdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

const integrations = {
  aws: 'ts/integrations/aws-sdk.ts',
  lambda: 'ts/integrations/lambda.ts',
  otel: 'ts/integrations/otel.ts',
};

/**
 * Copied into dist/ as they are: the CommonJS files behind package.json's `imports` (each a
 * literal `require` a bundler can follow), the WebAssembly module (workerd imports it) and its
 * base64 for Node (required only when the WebAssembly backend loads).
 */
const copied = [
  'ts/node/native-addon.cjs',
  'ts/node/native-addon-absent.cjs',
  'ts/node/wasm-bytes.cjs',
  'ts/generated/wasm-base64.cjs',
  'ts/generated/trace_lineage_wasm.wasm',
];
async function copyUnbundled(): Promise<void> {
  mkdirSync('dist', { recursive: true });
  for (const file of copied) copyFileSync(file, `dist/${file.slice(file.lastIndexOf('/') + 1)}`);
}

// Shipped maps carry positions, not sources (the sources would be 44% of the tarball).
const noSourcesContent = (options: { sourcesContent?: boolean }): void => {
  options.sourcesContent = false;
};

export default defineConfig([
  {
    // Node: ESM + CJS, native → wasm → js; the integrations as subpaths (`trace-lineage/aws`, ...).
    entry: { index: 'ts/index.ts', cli: 'ts/cli.ts', ...integrations },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'ts/index.ts', ...integrations } },
    target: 'node20',
    platform: 'node',
    clean: true,
    sourcemap: true,
    esbuildOptions: noSourcesContent,
    // Resolved by Node at run time (package.json `imports`), and by a user's bundler.
    external: ['#native-addon', '#wasm-bytes'],
    // One copy of the API in chunks shared by the entries (one TraceHeaderError class, one
    // backend); the demo is a chunk of its own, loaded only by `trace-lineage demo`.
    splitting: true,
    onSuccess: copyUnbundled,
  },
  {
    // Browsers and workers: ESM, wasm (inlined) → js, no Node built-ins. workerd: the shipped
    // .wasm file imported as a module (kept as an import for the runtime or its bundler).
    entry: { browser: 'ts/browser.ts', workerd: 'ts/workerd.ts' },
    format: ['esm'],
    dts: { entry: { browser: 'ts/browser.ts', workerd: 'ts/workerd.ts' } },
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
    esbuildOptions: noSourcesContent,
    external: [/\.wasm$/],
    splitting: false,
  },
]);
