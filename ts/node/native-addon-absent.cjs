'use strict';
/**
 * `#native-addon` without the `node-addons` condition: a bundle built without it (esbuild's and
 * CDK's default, which have no `.node` loader), or a runtime that cannot load addons. Nothing to
 * load: the package runs on WebAssembly, and says so once (ts/backends/native.ts).
 */
const { platform, arch } = process;

module.exports = {
  bundled: true,
  nativeTarget: () => `${platform}-${arch}`,
  loadNativeAddon: () => ({ tried: [] }),
};
