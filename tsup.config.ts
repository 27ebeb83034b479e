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

export default defineConfig([
  {
    // Node: ESM + CJS, native → wasm → js; the integrations as subpaths (`trace-lineage/aws`, ...).
    entry: { index: 'ts/index.ts', cli: 'ts/cli.ts', ...integrations, ...tools },
    format: ['esm', 'cjs'],
    dts: { entry: { index: 'ts/index.ts', ...integrations, ...tools } },
    target: 'node20',
    platform: 'node',
    shims: true,
    clean: true,
    sourcemap: true,
    // One copy of the API in chunks shared by the entries (one TraceHeaderError class, one
    // backend); the demo is a chunk of its own, loaded only by `trace-lineage demo`.
    splitting: true,
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
