import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `npm test` runs this suite once per backend (TRACE_LINEAGE_BACKEND=native|wasm|js). The
// differential properties hold a compiled backend against the reference, so the reference's
// own run leaves them out.
const backend = process.env.TRACE_LINEAGE_BACKEND ?? 'auto';

export default defineConfig({
  // Resolve package.json `imports` as Node does: `#native-addon` is the addon under `node-addons`.
  // (vitest's own default is Vite's server conditions without `module`.)
  ssr: { resolve: { conditions: ['node-addons', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  test: {
    include: ['test/**/*.test.ts'],
    // moto's server on loopback for test/integration/ (started and stopped by the run itself).
    globalSetup: ['test/integration/moto-server.ts'],
    exclude: backend === 'js' ? ['test/differential.test.ts'] : [],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
