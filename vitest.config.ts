import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// `npm test` runs this suite once per backend (TRACE_LINEAGE_BACKEND=native|wasm|js). The
// differential properties hold a compiled backend against the reference, so the reference's
// own run leaves them out (test/fastpath.test.ts holds the js backend's fast path to the
// reference in every run). Three projects: the unit tests need nothing but Node; only
// test/integration/ needs moto's server, started by that project's globalSetup (so a newcomer
// running one unit file needs no Python); test/package/ tests the packed tarball, not a backend,
// and runs once (`--project package`; a CLI `--exclude` does not reach a project's own list).
const backend = process.env.TRACE_LINEAGE_BACKEND ?? 'auto';

export default defineConfig({
  // Resolve package.json `imports` as Node does: `#native-addon` is the addon under `node-addons`.
  // (vitest's own default is Vite's server conditions without `module`.)
  ssr: { resolve: { conditions: ['node-addons', ...defaultServerConditions.filter((condition) => condition !== 'module')] } },
  test: {
    testTimeout: 300_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/package/**', ...(backend === 'js' ? ['test/differential.test.ts'] : [])],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // moto's server on loopback (started and stopped by the run itself).
          globalSetup: ['test/integration/moto-server.ts'],
        },
      },
      {
        extends: true,
        test: { name: 'package', include: ['test/package/**/*.test.ts'] },
      },
    ],
  },
});
