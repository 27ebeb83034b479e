'use strict';
/**
 * `#native-addon` under the `node-addons` condition (package.json `imports`): Node sets that
 * condition wherever it can load addons; bundlers set it only when asked
 * (`--conditions=node-addons`), so that a default bundle never sees a `.node` file (it gets
 * `native-addon-absent.cjs` instead and runs on WebAssembly).
 *
 * Each candidate is required by a literal specifier inside a `try`, so that a bundler can follow
 * it (esbuild `--loader:.node=copy` ships the addon it finds, and leaves a candidate it cannot
 * resolve to fail at run time). For this machine's target, in order: the platform package
 * (`optionalDependencies`), then the repository's own build (`native/` next to `dist/`, `npm run build:native`; this file is copied into `dist/`).
 */
/**
 * glibc or musl: which C library this process runs on. From `/proc/self/maps` (glibc's loader
 * or libc.so.6 mapped: glibc), the truth for this process, whatever `/usr/bin/ldd` of the host
 * says; where /proc cannot be read, napi-rs's checks (ldd, then the process report, slow).
 */
function libc() {
  // Required here, not at the top: an ES module bundle without a `require` still imports this file.
  let readFileSync;
  try {
    ({ readFileSync } = require('node:fs'));
  } catch {
    return 'gnu';
  }
  try {
    return /\/ld-linux[-.]|\/libc\.so\.6/.test(readFileSync('/proc/self/maps', 'latin1')) ? 'gnu' : 'musl';
  } catch {
    // no /proc: next check
  }
  try {
    return readFileSync('/usr/bin/ldd', 'latin1').includes('musl') ? 'musl' : 'gnu';
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
 * The first candidate for `target` that `accept` takes (it throws for a file that is no
 * trace-lineage addon, or a stale one): `{ addon, from }`; else `{ tried }`, each candidate with
 * its failure, in order (none for a target no package is built for).
 */
function loadNativeAddon(target, accept) {
  const tried = [];
  switch (target) {
    case 'linux-x64-gnu':
      try {
        return { from: 'trace-lineage-linux-x64-gnu', addon: accept(require('trace-lineage-linux-x64-gnu')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-x64-gnu', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-x64-gnu.node', addon: accept(require('../native/trace-lineage.linux-x64-gnu.node')) };
      } catch (error) {
        tried.push({ from: 'native/trace-lineage.linux-x64-gnu.node', error });
      }
      break;
    case 'linux-arm64-gnu':
      try {
        return { from: 'trace-lineage-linux-arm64-gnu', addon: accept(require('trace-lineage-linux-arm64-gnu')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-arm64-gnu', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-arm64-gnu.node', addon: accept(require('../native/trace-lineage.linux-arm64-gnu.node')) };
      } catch (error) {
        tried.push({ from: 'native/trace-lineage.linux-arm64-gnu.node', error });
      }
      break;
    case 'linux-x64-musl':
      try {
        return { from: 'trace-lineage-linux-x64-musl', addon: accept(require('trace-lineage-linux-x64-musl')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-x64-musl', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-x64-musl.node', addon: accept(require('../native/trace-lineage.linux-x64-musl.node')) };
      } catch (error) {
        tried.push({ from: 'native/trace-lineage.linux-x64-musl.node', error });
      }
      break;
    case 'linux-arm64-musl':
      try {
        return { from: 'trace-lineage-linux-arm64-musl', addon: accept(require('trace-lineage-linux-arm64-musl')) };
      } catch (error) {
        tried.push({ from: 'trace-lineage-linux-arm64-musl', error });
      }
      try {
        return { from: 'native/trace-lineage.linux-arm64-musl.node', addon: accept(require('../native/trace-lineage.linux-arm64-musl.node')) };
      } catch (error) {
        tried.push({ from: 'native/trace-lineage.linux-arm64-musl.node', error });
      }
      break;
  }
  return { tried };
}

module.exports = { bundled: false, nativeTarget, loadNativeAddon };
