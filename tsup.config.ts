import { defineConfig } from 'tsup';

export default defineConfig([
  {
    // Node: ESM + CJS, native → wasm → js.
    entry: { index: 'ts/index.ts', cli: 'ts/cli.ts' },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'ts/index.ts' } },
    target: 'node20',
    platform: 'node',
    shims: true,
    clean: true,
    sourcemap: true,
    splitting: false,
  },
  {
    // Browsers and workers: ESM, wasm → js, no Node built-ins.
    entry: { browser: 'ts/browser.ts' },
    format: ['esm'],
    dts: { entry: { browser: 'ts/browser.ts' } },
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
    splitting: false,
  },
]);
