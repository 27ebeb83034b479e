/** `#native-addon`: the addon's candidates for this machine (native-addon.js), or none (native-addon-absent.cjs). */
export interface NativeAddonFound<Addon> {
  addon: Addon;
  /** The package or file it came from (`trace-lineage-linux-x64-gnu`, `native/trace-lineage.linux-x64-gnu.node`). */
  from: string;
}
export interface NativeAddonMissing {
  /** Each candidate with its failure, in order. */
  tried: Array<{ from: string; error: unknown }>;
}
/** True where `#native-addon` resolved without the `node-addons` condition (a default bundle). */
export declare const bundled: boolean;
/** napi-rs's name of this machine's target (`linux-x64-gnu`, `linux-arm64-musl`, ...). */
export declare function nativeTarget(): string;
/** `open(file)`: the exports of the addon file (`process.dlopen`), where Node runs the shipped file unbundled. */
export declare function loadNativeAddon<Addon>(
  target: string,
  accept: (exports: unknown) => Addon,
  open: (file: string) => unknown,
): NativeAddonFound<Addon> | NativeAddonMissing;
