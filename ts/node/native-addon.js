/**
 * `#native-addon` under the `node-addons` condition (package.json `imports`): Node sets that
 * condition wherever it can load addons; bundlers set it only when asked
 * (`--conditions=node-addons`), so that a default bundle never sees a `.node` file (it gets
 * `native-addon-absent.cjs` instead and runs on WebAssembly). This ES module ships as it is
 * (dist/native-addon.js) and as CommonJS (dist/native-addon.cjs, made by tsup.config.ts).
 *
 * Each candidate is named by a literal specifier inside a `try`, so that a bundler can follow
 * it (esbuild `--loader:.node=copy` ships the addon it finds, and leaves a candidate it cannot
 * resolve to fail at run time): in a bundle, the bundler's `require` loads it. Run by Node as
 * it ships (either file), the candidate is resolved to its file instead (`import.meta.resolve`,
 * `require.resolve`) and handed to `open` (ts/backends/native.ts: `process.dlopen`, once per
 * file in the process): no CommonJS loader and no `node:module` on the way, nor any ES-module
 * import of a built-in (importing `node:fs` makes Node load its streams: ts/backends/native.ts,
 * `openAddonFile`; together 40 M instructions of cold start, valgrind). For this machine's
 * target, in order: the platform package (`optionalDependencies`), then the repository's own
 * build (`native/` next to `dist/`, `npm run build:native`; this file is copied into `dist/`).
 */

/**
 * Whether this is dist/native-addon.js run by Node as an ES module, or dist/native-addon.cjs
 * required by Node: not a bundle (whose `require` follows the literal specifiers). `typeof
 * require` cannot tell: `node -e` leaves a global one that a bundle sees too.
 */
const unbundledModule = typeof import.meta.url === 'string' && import.meta.url.endsWith('/native-addon.js');
const unbundledCommonJS = typeof __filename === 'string' && __filename.endsWith('/native-addon.cjs');

/** The file a candidate specifier names, from this file, as Node resolves it (its real path). */
function resolvedFile(specifier) {
  return unbundledModule ? decodeURIComponent(new URL(import.meta.resolve(specifier)).pathname) : require.resolve(specifier);
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
    const maps = fs.readFileSync('/proc/self/maps', 'latin1');
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
 * The first candidate for `target` that `accept` takes (it throws for a file that is no
 * trace-lineage addon, or a stale one): `{ addon, from }`; else `{ tried }`, each candidate with
 * its failure, in order (none for a target no package is built for). Unbundled, `open(file)`
 * loads a candidate's file and returns its exports.
 */
function loadNativeAddon(target, accept, open) {
  const unbundled = unbundledModule || unbundledCommonJS;
  const tried = [];
  switch (target) {
    case 'linux-x64-gnu':
      try {
        return { from: 'trace-lineage-linux-x64-gnu', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-x64-gnu')) : require('trace-lineage-linux-x64-gnu')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-x64-gnu', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-x64-gnu.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-x64-gnu.node')) : require('../native/trace-lineage.linux-x64-gnu.node')) };
      } catch (error) {
        if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-x64-gnu.node', error });
      }
      break;
    case 'linux-arm64-gnu':
      try {
        return { from: 'trace-lineage-linux-arm64-gnu', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-arm64-gnu')) : require('trace-lineage-linux-arm64-gnu')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-arm64-gnu', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-arm64-gnu.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-arm64-gnu.node')) : require('../native/trace-lineage.linux-arm64-gnu.node')) };
      } catch (error) {
        if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-arm64-gnu.node', error });
      }
      break;
    case 'linux-x64-musl':
      try {
        return { from: 'trace-lineage-linux-x64-musl', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-x64-musl')) : require('trace-lineage-linux-x64-musl')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-x64-musl', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-x64-musl.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-x64-musl.node')) : require('../native/trace-lineage.linux-x64-musl.node')) };
      } catch (error) {
        if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-x64-musl.node', error });
      }
      break;
    case 'linux-arm64-musl':
      try {
        return { from: 'trace-lineage-linux-arm64-musl', addon: accept(unbundled ? open(resolvedFile('trace-lineage-linux-arm64-musl')) : require('trace-lineage-linux-arm64-musl')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-arm64-musl', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-arm64-musl.node', addon: accept(unbundled ? open(resolvedFile('../native/trace-lineage.linux-arm64-musl.node')) : require('../native/trace-lineage.linux-arm64-musl.node')) };
      } catch (error) {
        if (!absent(error)) tried.push({ from: 'native/trace-lineage.linux-arm64-musl.node', error });
      }
      break;
  }
  return { tried };
}

export const bundled = false;
export { nativeTarget, loadNativeAddon };
