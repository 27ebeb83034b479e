/**
 * Who races: our four ways in (native, wasm, js, auto) and the peers a user would pick instead
 * (OTel, X-Ray), from the built package's shipped bench (`trace-lineage/bench`, dist/: the ones
 * `trace-lineage bench` races), the plain-JS peers of bench/peers/, and the boundary floors (from
 * the backends' own modules, bundled into the benchmark). Each operation returns a small view of
 * its answer (strings and numbers) that is checked before timing (`checkAnswers`) and consumed
 * inside the timed loop.
 */
import { LoopGuard, type BackendChoice } from 'trace-lineage';
import { BACKEND_NOTES, loadPeers, oneByOne, ours, type Contender, type View } from 'trace-lineage/bench';
import { loadNativeAddon } from '../ts/backends/native.js';
import { loadWasmBackend, setWasmSource } from '../ts/backends/wasm.js';
import { wasmBytes } from '#wasm-bytes';
import { LOOP_KEY, MAX_ENTRIES, RESOURCE, RESOURCE_HASH, THRESHOLD, type Variant } from './corpus.js';
import { naiveEnter, naiveParse, type PeerEntered, type PeerParsed } from './peers/naive.js';
import { scanEnter, scanParse } from './peers/scan.js';

// The floors' WebAssembly instance reads the module as the Node entry point does (ts/index.ts).
setWasmSource(wasmBytes);

export type { Contender, View } from 'trace-lineage/bench';

export interface Floor {
  name: string;
  note: string;
  run(header: string): View;
  expect(variant: Variant): View;
}

const ourParse = (variant: Variant): View => [variant.root, variant.parent, variant.sampled, variant.lineage];
const ourHot = (variant: Variant): View => [variant.outgoing, variant.count];

/** A peer of bench/peers/: its parse and its enter (undefined values where it refuses a header). */
function plainPeer(
  name: string,
  note: string,
  parse: (header: string) => PeerParsed,
  enter: (header: string, hash: string, key: string, threshold: number, maxEntries: number) => PeerEntered | undefined,
): Contender {
  const hot = (header: string): View => {
    const entered = enter(header, RESOURCE_HASH, LOOP_KEY, THRESHOLD, MAX_ENTRIES);
    return [entered?.header, entered?.count];
  };
  return {
    name,
    group: 'peer',
    note,
    parse(header) {
      const parsed = parse(header);
      return [parsed.root, parsed.parent, parsed.sampled, parsed.lineage ?? null];
    },
    hot,
    batch: oneByOne(hot),
    expectParse: ourParse,
    expectHot: ourHot,
  };
}

const naive = plainPeer(
  'naive split/join',
  'split(";"), split("="), trim, join: no byte checks, no limits, no diagnostics (bench/peers/naive.ts)',
  naiveParse,
  naiveEnter,
);

const scan = plainPeer(
  'hand-optimised scan',
  'the same job as ours at its leanest (bench/peers/scan.ts): bytes and length checked (an outgoing header must not carry CR/LF), one indexOf/charCodeAt pass, slices only what it returns; no diagnostics, no validation of Root/Parent/Lineage',
  scanParse,
  scanEnter,
);

// The peers a user would pick (OTel, X-Ray), from the shipped bench: the same loader and answers as `trace-lineage bench`.
const peers = (await loadPeers()).map((peer) => {
  if ('contender' in peer) return peer.contender;
  throw new Error(`bench: ${peer.name} is a devDependency and must load: ${peer.notFound}`);
});

export function contenders(): Contender[] {
  return [
    ...(['auto', 'native', 'wasm', 'js'] as const).map((backend) => ours(backend, BACKEND_NOTES[backend])),
    scan,
    naive,
    ...peers,
  ];
}

/** The boundary's own cost: what no call through it can beat. */
export function floors(): Floor[] {
  const addon = loadNativeAddon();
  const wasm = loadWasmBackend();
  const none = (): View => [];
  return [
    { name: 'N-API empty call', note: 'a raw N-API callback that reads nothing and returns undefined', run: () => (addon.floorEmpty(), []), expect: none },
    { name: 'N-API string echo', note: 'the header in and the same string out, Latin-1 both ways (the cheapest N-API has)', run: (header) => [addon.floorEcho(header)], expect: (variant) => [variant.header] },
    { name: 'WASM empty call', note: 'an exported function that does nothing', run: () => (wasm.floorEmpty(), []), expect: none },
    { name: 'WASM string echo', note: 'encodeInto linear memory, copied by the module, decoded back out (as our wasm backend does)', run: (header) => [wasm.floorEcho(header)], expect: (variant) => [variant.header] },
  ];
}

/**
 * Two guards of one resource with different options (thresholds), called in turn: what a
 * Lambda handler guarding several sources, or two libraries each with its own guard, does. The
 * outgoing header and count are the same for both (the threshold decides only `loop`), so the
 * answer is checked as `ours(backend).hot`'s; the cost of switching between guards is what differs.
 */
export function alternatingGuards(backend: BackendChoice): (header: string) => View {
  const guards = [new LoopGuard(RESOURCE, { backend, threshold: THRESHOLD, maxEntries: MAX_ENTRIES }), new LoopGuard(RESOURCE, { backend, threshold: THRESHOLD - 6, maxEntries: MAX_ENTRIES })];
  let turn = 0;
  return (header) => {
    const result = guards[(turn ^= 1)].enter(header);
    return [result.header, result.count];
  };
}
