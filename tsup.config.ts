import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSync, transformSync } from 'esbuild';
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
 * Into dist/: the files behind package.json's `imports` (each candidate a literal `require` a
 * bundler can follow), converted here to CommonJS (for dist/index.cjs, and the repository's own
 * tests and bench); wasm-bytes.js as it is too (dist/index-no-addons.js imports it); the
 * WebAssembly module (workerd imports it, Node reads it) and its base64 (bundles carry it).
 */
const copied = ['ts/node/native-addon-absent.cjs', 'ts/generated/wasm-base64.cjs', 'ts/generated/trace_lineage_wasm.wasm', 'ts/node/wasm-bytes.js'];
const toCommonJS = ['ts/node/native-addon.js', 'ts/node/wasm-bytes.js'];
const fileName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);
async function copyUnbundled(): Promise<void> {
  mkdirSync('dist', { recursive: true });
  for (const file of copied) copyFileSync(file, `dist/${fileName(file)}`);
  for (const file of toCommonJS) {
    // CommonJS has a `require` of its own: the `import.meta` branches never run there.
    buildSync({ entryPoints: [file], outfile: `dist/${fileName(file).replace(/\.js$/, '.cjs')}`, format: 'cjs', platform: 'node', target: 'node20', logOverride: { 'empty-import-meta': 'silent' } });
  }
}

// Cleaned once, here: with `clean` set, a config's declaration step deletes every .d.ts in dist/,
// the other configs' too (they build in parallel), which is how dist/browser.d.ts went missing.
rmSync('dist', { recursive: true, force: true });

/**
 * Package.json `imports` specifiers made relative paths of files beside the output (ES module or
 * CommonJS as the build). Node resolves a package target (an `exports` or `imports` entry)
 * through a case-insensitive regular expression that V8 compiles to machine code the second time
 * it runs: a lookup after the package's own name cost 4–5 M instructions at import (callgrind),
 * a tenth of the cold start. `#wasm-bytes` needs no condition, so it never has one; `#native-addon`
 * keeps it (bundlers need the `node-addons` condition) in CommonJS; the ES-module Node entries
 * have the loader inlined (`inlinedIntoIndex`) or the absent stand-in beside them.
 */
const beside = (specifier: string, file: (commonJS: boolean) => string): Plugin => ({
  name: `beside ${specifier}`,
  setup(build) {
    // tsup builds CommonJS with splitting as ES modules converted later: the extension tells.
    const commonJS = build.initialOptions.outExtension?.['.js'] === '.cjs';
    build.onResolve({ filter: new RegExp(`^${specifier}$`) }, () => ({ path: file(commonJS), external: true }));
  },
});
const wasmBytesBeside = beside('#wasm-bytes', (commonJS) => (commonJS ? './wasm-bytes.cjs' : './wasm-bytes.js'));

/**
 * The ES-module entries other than `index` import the package's root by its own name (a
 * self-reference), so that Node and every bundler give them the same `index` the user's own
 * `import 'trace-lineage'` gets, under the same conditions: one copy of the API (one
 * `TraceHeaderError`, one backend) whichever index that is.
 */
const INDEX = resolve('ts/index.ts');
const rootBySelfReference: Plugin = {
  name: 'root-by-self-reference',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\/index\.js$/ }, ({ path, resolveDir }) =>
      resolve(resolveDir, path.replace(/\.js$/, '.ts')) === INDEX ? { path: 'trace-lineage', external: true } : undefined,
    );
  },
};

/**
 * What dist/index.js inlines (ts/node/index.ts): the addon's candidates (native-addon.js) and the
 * fallbacks' loader (load-fallbacks.js), each a shipped ES module whose text goes into the file
 * as it is, not bundled: esbuild would make their literal `require`s its own `__require`, which
 * no user's bundler follows. Each source ends with its exports after a marker comment; the rest
 * is wrapped in a function that returns them (none of its names reaches the file's scope), put
 * in the banner as a constant, minified, and the entry's imports of it resolve to that constant.
 * One file instead of three on the import path: 4.3 M instructions less cold start (callgrind).
 */
function inlined(file: string, constant: string, returned: string): string {
  const source = readFileSync(file, 'utf8');
  const marker = source.lastIndexOf('\n// Inlined into dist/index.js without');
  if (marker < 0) throw new Error(`${file}: no "// Inlined into dist/index.js without" line before its exports`);
  const wrapped = `const ${constant} = (() => {\n${source.slice(0, marker)}\nreturn ${returned};\n})();\n`;
  return transformSync(wrapped, { format: 'esm', target: 'node20', minifyWhitespace: true, minifySyntax: true }).code;
}
const inlinedIntoIndex = {
  banner:
    inlined('ts/node/native-addon.js', 'traceLineageNativeAddon', '{ bundled: false, nativeTarget, loadNativeAddon }') +
    inlined('ts/node/load-fallbacks.js', 'traceLineageFallbacks', 'nodeFallbacks'),
  plugin: {
    name: 'inlined into the index',
    setup(build) {
      const modules: Record<string, string> = {
        // `bundled` a constant: the build drops what only a bundle without the addon runs.
        '#native-addon': 'export const bundled = false; export const { nativeTarget, loadNativeAddon } = traceLineageNativeAddon;',
        './load-fallbacks.js': 'export const nodeFallbacks = traceLineageFallbacks;',
      };
      build.onResolve({ filter: /^(#native-addon|\.\/load-fallbacks\.js)$/ }, ({ path }) => ({ path, namespace: 'inlined' }));
      build.onLoad({ filter: /.*/, namespace: 'inlined' }, ({ path }) => ({ contents: modules[path], loader: 'js' }));
    },
  } satisfies Plugin,
};

const node = { target: 'node20', platform: 'node', sourcemap: false } as const;
/**
 * The index files, what every import parses: whitespace and syntax minified (identifiers kept, so
 * stack traces still name every function). V8 parses 57 KB instead of 73 KB: about 3 M
 * instructions less at import (callgrind).
 */
const parsedAtImport = { minifyWhitespace: true, minifySyntax: true } as const;
// No source maps ship: with their sources they were 44% of the tarball, without them 17%.
export default defineConfig([
  {
    // The declarations of every Node entry, ES module and CommonJS, in one program (the types
    // they share in one file: one `TraceHeaderError` declaration); the code is built below.
    entry: { index: 'ts/index.ts', ...integrations, ...tools },
    format: ['esm', 'cjs'],
    dts: { only: true },
    ...node,
  },
  {
    // Node, ES module, where it can load addons (package.json `.` under `node-addons`): one file,
    // the API and the native backend, with the addon's candidates and the fallbacks' loader
    // inlined (`inlinedIntoIndex`: bundlers built with `--conditions=node-addons` get this file
    // too, and follow their literal requires); no `imports` lookup on the way. The WebAssembly
    // and js backends are dist/node-fallbacks.cjs, loaded when first asked for.
    entry: { index: 'ts/node/index.ts' },
    format: ['esm'],
    ...node,
    banner: { js: inlinedIntoIndex.banner },
    esbuildPlugins: [inlinedIntoIndex.plugin],
    ...parsedAtImport,
    splitting: false,
  },
  {
    // The fallbacks of that entry (ts/node/fallbacks.ts), one self-contained CommonJS file.
    entry: { 'node-fallbacks': 'ts/node/fallbacks.ts' },
    format: ['cjs'],
    ...node,
    external: ['./wasm-base64.cjs'],
    ...parsedAtImport,
    splitting: false,
  },
  {
    // The same without the addon: bundlers built without `node-addons` (esbuild's and CDK's
    // default: no `.node` loader) and Node run with `--no-addons`; WebAssembly runs there.
    entry: { 'index-no-addons': 'ts/index.ts' },
    format: ['esm'],
    ...node,
    esbuildPlugins: [beside('#native-addon', () => './native-addon-absent.cjs'), wasmBytesBeside],
    ...parsedAtImport,
    splitting: false,
  },
  {
    // The other Node entries as ES modules, the root by self-reference (above): the CLI, the
    // integrations as subpaths (`trace-lineage/aws`, ...), the tools; the demo a chunk of its own,
    // loaded only by `trace-lineage demo`.
    entry: { cli: 'ts/cli.ts', ...integrations, ...tools },
    format: ['esm'],
    ...node,
    // `import.meta.url` in CommonJS (ts/bench reads the package's own package.json with it).
    shims: true,
    esbuildPlugins: [rootBySelfReference],
    splitting: true,
  },
  {
    // Node, CommonJS: every entry, one copy of the API in chunks they share; `#native-addon`
    // resolved by Node at run time (package.json `imports`), and by a user's bundler.
    entry: { index: 'ts/index.ts', cli: 'ts/cli.ts', ...integrations, ...tools },
    format: ['cjs'],
    ...node,
    shims: true,
    external: ['#native-addon'],
    esbuildPlugins: [wasmBytesBeside],
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
