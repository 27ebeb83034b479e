/**
 * Who races: our four ways in (native, wasm, js, auto), through the built package exactly as
 * users import it (`trace-lineage`, dist/), the peers a user would pick instead, and the
 * boundary floors (from the backends' own modules, bundled into the benchmark). Each operation returns a small view of its answer (strings and
 * numbers) that the harness both checks, before timing, and consumes inside the timed loop.
 */
import { createRequire } from 'node:module';
import { AWSXRayPropagator } from '@opentelemetry/propagator-aws-xray';
import { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { LoopGuard, parse, TraceHeaderError, type BackendChoice } from 'trace-lineage';
import { loadNativeAddon } from '../ts/backends/native.js';
import { loadWasmBackend, setWasmSource } from '../ts/backends/wasm.js';
import { wasmBytes } from '#wasm-bytes';
import { LOOP_KEY, MAX_ENTRIES, RESOURCE, RESOURCE_HASH, THRESHOLD, type Variant } from './corpus.js';
import { naiveEnter, naiveParse, type PeerEntered, type PeerParsed } from './peers/naive.js';
import { scanEnter, scanParse } from './peers/scan.js';

// The floors' WebAssembly instance reads the module as the Node entry point does (ts/index.ts).
setWasmSource(wasmBytes);

/** What an operation returns to the harness: strings and numbers only. */
export type View = ReadonlyArray<string | number | null | undefined>;

export interface Contender {
  name: string;
  group: 'ours' | 'peer';
  /** What it does and does not do, for the report. */
  note: string;
  /** Parse only: the values a caller reads. */
  parse(header: string): View;
  /** The hot path: parse, enter, write the outgoing header. */
  hot(header: string): View;
  /** Many headers in one call (peers: one call each). */
  batch(headers: string[]): View;
  /** The right answers, in the shape of `parse` and `hot`. */
  expectParse(variant: Variant): View;
  expectHot(variant: Variant): View;
}

export interface Floor {
  name: string;
  note: string;
  run(header: string): View;
  expect(variant: Variant): View;
}

const ourParse = (variant: Variant): View => [variant.root, variant.parent, variant.sampled, variant.lineage];
const ourHot = (variant: Variant): View => [variant.outgoing, variant.count];

function ours(backend: BackendChoice, note: string): Contender {
  const guard = new LoopGuard(RESOURCE, { backend, threshold: THRESHOLD, maxEntries: MAX_ENTRIES });
  const options = { backend };
  return {
    name: `ours: ${backend}`,
    group: 'ours',
    note,
    parse(header) {
      const parsed = parse(header, options);
      return [parsed.root?.value, parsed.parent?.value, parsed.sampled?.value, parsed.lineage?.value ?? null];
    },
    hot(header) {
      const result = guard.enter(header);
      return [result.header, result.count];
    },
    batch(headers) {
      const answers: Array<string | number> = [];
      for (const result of guard.enterBatch(headers)) {
        if (result instanceof TraceHeaderError) answers.push(result.codeName, result.offset);
        else answers.push(result.header, result.count);
      }
      return answers;
    },
    expectParse: ourParse,
    expectHot: ourHot,
  };
}

/** A peer without a batch API: one call per header. */
const oneByOne =
  (hot: (header: string) => View) =>
  (headers: string[]): View => {
    const answers: View[number][] = [];
    for (const header of headers) answers.push(...hot(header));
    return answers;
  };

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

/** What OTel and X-Ray write out: the trace context they read (they keep no loop count). */
const contextHeader = (variant: Variant): string => `Root=${variant.root};Parent=${variant.parent};Sampled=${variant.sampled}`;

const propagator = new AWSXRayPropagator();
const CARRIER_KEY = 'x-amzn-trace-id';
const otel: Contender = {
  name: '@opentelemetry/propagator-aws-xray',
  group: 'peer',
  note: 'extract into a Context (trace id, span id, flags), inject writes Root;Parent;Sampled: every other field (Lineage included) is dropped',
  parse(header) {
    const context = propagator.extract(ROOT_CONTEXT, { [CARRIER_KEY]: header }, defaultTextMapGetter);
    const span = trace.getSpanContext(context);
    return [span?.traceId, span?.spanId, span?.traceFlags];
  },
  hot(header) {
    const context = propagator.extract(ROOT_CONTEXT, { [CARRIER_KEY]: header }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    propagator.inject(context, carrier, defaultTextMapSetter);
    return [carrier[CARRIER_KEY]];
  },
  batch: oneByOne((header) => otel.hot(header)),
  expectParse: (variant) => [variant.root.slice(2).replace('-', ''), variant.parent, 1],
  expectHot: (variant) => [contextHeader(variant)],
};

interface XRayTraceData {
  root?: string;
  parent?: string;
  sampled?: string;
  data?: Record<string, string>;
}
const require = createRequire(import.meta.url);
const xrayUtils = (require('aws-xray-sdk-core') as { utils: { processTraceData(header: string): XRayTraceData } }).utils;
const xray: Contender = {
  name: 'aws-xray-sdk-core',
  group: 'peer',
  note: 'utils.processTraceData, then the header its AWS SDK patcher writes (aws_p.js): Root;Parent;Sampled and the unknown fields it kept (256 B of them), Self dropped',
  parse(header) {
    const data = xrayUtils.processTraceData(header);
    return [data.root, data.parent, data.sampled, data.data?.Lineage ?? null];
  },
  hot(header) {
    const data = xrayUtils.processTraceData(header);
    // As the SDK's patchers/aws_p.js writes it (it has no function of its own for this).
    let outgoing = 'Root=' + data.root + ';Parent=' + data.parent + ';Sampled=' + data.sampled;
    if (data.data != null) for (const [key, value] of Object.entries(data.data)) outgoing += ';' + key + '=' + value;
    return [outgoing];
  },
  batch: oneByOne((header) => xray.hot(header)),
  expectParse: ourParse,
  // It re-emits the trace context first; what follows depends on its byte budget: checked as a prefix.
  expectHot: (variant) => [contextHeader(variant)],
};

export function contenders(): Contender[] {
  return [
    ours('auto', 'what users get by default: the backend chosen per call shape'),
    ours('native', 'N-API addon (crates/napi): string in, record + one flat string out'),
    ours('wasm', 'WebAssembly (crates/wasm): encodeInto, numbers, one decode out'),
    ours('js', 'the TypeScript reference (ts/reference.ts): the spec, and the fallback'),
    scan,
    naive,
    xray,
    otel,
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
