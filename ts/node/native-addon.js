/**
 * The native addon's candidates for this machine, and how to load them. Ships two ways: inlined
 * into the ES-module Node entry dist/index.js (tsup.config.ts: what Node imports), and as
 * CommonJS, dist/native-addon.cjs, which `#native-addon` names under the `node-addons` condition
 * (package.json `imports`: dist/index.cjs, the repository's tests and bench). Node sets
 * `node-addons` wherever it can load addons; bundlers
 * only when asked (`--conditions=node-addons`), so that a default bundle never sees a `.node`
 * file (it gets dist/index-no-addons.js or `native-addon-absent.cjs`, and runs on WebAssembly).
 *
 * Each candidate is named by a literal specifier inside a `try`, so that a bundler can follow
 * it (esbuild `--loader:.node=copy` ships the addon it finds, and leaves a candidate it cannot
 * resolve to fail at run time): in a bundle, the bundler's `require` loads it. Run by Node as
 * it ships, the candidate is resolved to its file instead (`resolvedFile`) and handed to `open`
 * (ts/backends/native.ts: `process.dlopen`, once per file in the process): no CommonJS loader
 * and no `node:module` on the way, nor any ES-module import of a built-in (importing `node:fs`
 * makes Node load its streams: ts/backends/native.ts, `openAddonFile`; together 40 M
 * instructions of cold start, valgrind). For this machine's target, in order: the platform
 * package (`optionalDependencies`), then the repository's own build (`native/` next to `dist/`,
 * `npm run build:native`).
 */

/**
 * Whether Node runs this code as it ships, unbundled: then a candidate is resolved to its file
 * (`resolvedFile`) and handed to `open` (one `process.dlopen` per file in the process). In a
 * bundle the bundler's `require` loads it instead, having followed the literal specifier. Node
 * runs this code as it ships in two forms: dist/native-addon.cjs (CommonJS, its own name), and
 * inlined into dist/index.js, an ES module without a `require` of its own. A bundle has one:
 * its bundler's (esbuild's ES-module output has its `__require` stand-in, which without AWS
 * CDK's `createRequire` banner fails to load an addon, visibly: README, Bundling). `node -e`
 * leaves a global `require` that is no module's own.
 */
const unbundledCommonJS = typeof __filename === 'string' && __filename.endsWith('/native-addon.cjs');
const moduleRequire = typeof require === 'function' && require !== globalThis.require;
const unbundled = unbundledCommonJS || !moduleRequire;

/**
 * The file a candidate names, as Node resolves it from this file (its real path is taken by
 * `open`). For a package, npm's and pnpm's layouts are looked at first: nested in this package,
 * then beside it (Node's first two places; `import.meta.resolve` costs 1.6 M instructions of
 * cold start, callgrind, for the same answer); else Node resolves it.
 */
function resolvedFile(specifier, main) {
  if (unbundledCommonJS) return require.resolve(specifier);
  const fs = process.getBuiltinModule('fs');
  const path = (url) => decodeURIComponent(new URL(url, import.meta.url).pathname);
  if (main !== undefined) {
    for (const place of [`../node_modules/${specifier}/${main}`, `../../${specifier}/${main}`]) {
      if (fs.existsSync(path(place))) return path(place);
    }
  }
  return path(import.meta.resolve(specifier));
}

/**
 * glibc or musl: which C library this process runs on. From `/proc/self/maps` (glibc's loader
 * or libc.so.6 mapped: glibc), the truth for this process, whatever `/usr/bin/ldd` of the host
 * says; where /proc cannot be read, napi-rs's checks (ldd, then the process report, slow).
 * `fs` from `process.getBuiltinModule` (Node 20.16, 22.3): the CommonJS module Node has loaded.
 * Searched with `includes`, not a regular expression: on a subject that long (7 KB and more) V8
 * compiles a regular expression to machine code at once, 7.7 M instructions of cold start
 * (callgrind), more than the rest of the addon's loading.
 */
function libc() {
  const fs = process.getBuiltinModule?.('fs');
  try {
    // UTF-8: Node reads it in one native call (any other encoding runs readFileSync's JS
    // loop: 2.5 M instructions more); the names searched for are ASCII.
    const maps = fs.readFileSync('/proc/self/maps', 'utf8');
    return maps.includes('/ld-linux-') || maps.includes('/ld-linux.') || maps.includes('/libc.so.6') ? 'gnu' : 'musl';
  } catch {
    // no /proc: next check
  }
  try {
    return fs.readFileSync('/usr/bin/ldd', 'latin1').includes('musl') ? 'musl' : 'gnu';
  } catch {
    // no ldd: next check
  }
  const header = process.report?.getReport?.()?.header;
  return header?.glibcVersionRuntime ? 'gnu' : 'musl';
}

/** napi-rs's name of this machine's target: `linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`, ... */
function nativeTarget() {
  const { platform, arch } = process;
  return platform === 'linux' ? `linux-${arch}-${libc()}` : `${platform}-${arch}`;
}

/**
 * Whether a candidate's file is not there at all. The repository's own build (`native/`) is no
 * part of an installed package: its absence is not worth a line of the failure message (it would
 * name a file that cannot exist there); a file that is there and fails to load always is.
 */
const absent = (error) => error?.code === 'ENOENT' || error?.code === 'MODULE_NOT_FOUND';
/**
 * Each target's candidates, in order: the platform package, then the repository's build. Each
 * literal `require` sits in a `try`, so that a bundler leaves one it cannot resolve to fail at
 * run time. One function per target: only this machine's is compiled (0.3 M instructions less
 * cold start than one function for all, callgrind). `{ addon, from }` for the first that
 * `accept` takes, else undefined, each failure pushed to `tried`.
 */
function linuxX64Gnu(accept, open, tried) {
  try {
    return { from: 'trace-lineage-linux-x64-gnu', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-x64-gnu', 'trace-lineage.linux-x64-gnu.node')) : require('trace-lineage-linux-x64-gnu')) };
  } catch (error) {
    tried.push({ from: 'trace-lineage-linux-x64-gnu', error });
  }
  try {
    return { from: 'native/trace-lineage.linux-x64-gnu.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-x64-gnu.node')) : require('../native/trace-lineage.linux-x64-gnu.node')) };
  } catch (error) {
    if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-x64-gnu.node', error });
  }
  return undefined;
}

function linuxArm64Gnu(accept, open, tried) {
  try {
    return { from: 'trace-lineage-linux-arm64-gnu', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-arm64-gnu', 'trace-lineage.linux-arm64-gnu.node')) : require('trace-lineage-linux-arm64-gnu')) };
  } catch (error) {
    tried.push({ from: 'trace-lineage-linux-arm64-gnu', error });
  }
  try {
    return { from: 'native/trace-lineage.linux-arm64-gnu.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-arm64-gnu.node')) : require('../native/trace-lineage.linux-arm64-gnu.node')) };
  } catch (error) {
    if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-arm64-gnu.node', error });
  }
  return undefined;
}

function linuxX64Musl(accept, open, tried) {
  try {
    return { from: 'trace-lineage-linux-x64-musl', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-x64-musl', 'trace-lineage.linux-x64-musl.node')) : require('trace-lineage-linux-x64-musl')) };
  } catch (error) {
    tried.push({ from: 'trace-lineage-linux-x64-musl', error });
  }
  try {
    return { from: 'native/trace-lineage.linux-x64-musl.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-x64-musl.node')) : require('../native/trace-lineage.linux-x64-musl.node')) };
  } catch (error) {
    if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-x64-musl.node', error });
  }
  return undefined;
}

function linuxArm64Musl(accept, open, tried) {
  try {
    return { from: 'trace-lineage-linux-arm64-musl', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-arm64-musl', 'trace-lineage.linux-arm64-musl.node')) : require('trace-lineage-linux-arm64-musl')) };
  } catch (error) {
    tried.push({ from: 'trace-lineage-linux-arm64-musl', error });
  }
  try {
    return { from: 'native/trace-lineage.linux-arm64-musl.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-arm64-musl.node')) : require('../native/trace-lineage.linux-arm64-musl.node')) };
  } catch (error) {
    if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-arm64-musl.node', error });
  }
  return undefined;
}
const CANDIDATES = { 'linux-x64-gnu': linuxX64Gnu, 'linux-arm64-gnu': linuxArm64Gnu, 'linux-x64-musl': linuxX64Musl, 'linux-arm64-musl': linuxArm64Musl };

/**
 * The first candidate for `target` that `accept` takes (it throws for a file that is no
 * trace-lineage addon, or a stale one): `{ addon, from }`; else `{ tried }`, each candidate with
 * its failure, in order (none for a target no package is built for). Unbundled, `open(file)`
 * loads a candidate's file and returns its exports.
 */
function loadNativeAddon(target, accept, open) {
  const tried = [];
  return (Object.hasOwn(CANDIDATES, target) ? CANDIDATES[target](accept, open, tried) : undefined) ?? { tried };
}

// Inlined into dist/index.js without these two lines (tsup.config.ts, `inlined`).
export const bundled = false;
export { nativeTarget, loadNativeAddon };
