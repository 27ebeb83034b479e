/**
 * Who races, and how an answer is checked: our backends (through the public API), and the peers a
 * user would pick instead when they are installed next to trace-lineage (loaded by dynamic
 * import, so neither is a dependency). Each operation returns a small view of its answer
 * (strings and numbers) that is checked against the corpus before anything is timed, and
 * consumed inside the timed loop.
 */
import { isDeepStrictEqual } from 'node:util';
import { LoopGuard, TraceHeaderError, parse, type BackendChoice } from '../index.js';
import { CORPUS, MAX_ENTRIES, RESOURCE, THRESHOLD, type CorpusHeader, type Variant } from './corpus.js';
import type { View } from './harness.js';

export type { View } from './harness.js';

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
  /** Whether a hot-path answer is right: equal to the expected one, unless the contender says otherwise. */
  hotMatches?(actual: View, expected: View): boolean;
}

const ourParse = (variant: Variant): View => [variant.root, variant.parent, variant.sampled, variant.lineage];
const ourHot = (variant: Variant): View => [variant.outgoing, variant.count];

/** Our API on one backend (`auto`: the one users get by default). */
export function ours(backend: BackendChoice, note: string): Contender {
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

/** What each of our backends is, for the report. */
export const BACKEND_NOTES: Record<BackendChoice, string> = {
  auto: 'what users get by default: the first backend that loads of native, wasm, js',
  native: 'N-API addon (crates/napi): string in, record + one flat string out',
  wasm: 'WebAssembly (crates/wasm): encodeInto, numbers, one decode out',
  js: 'the TypeScript reference (ts/reference.ts): the spec, and the fallback',
};

/** A peer without a batch API: one call per header. */
export const oneByOne =
  (hot: (header: string) => View) =>
  (headers: string[]): View => {
    const answers: View[number][] = [];
    for (const header of headers) answers.push(...hot(header));
    return answers;
  };

/** What OTel and X-Ray write out: the trace context they read (they keep no loop count). */
const contextHeader = (variant: Variant): string => `Root=${variant.root};Parent=${variant.parent};Sampled=${variant.sampled}`;

/** X-Ray re-emits the trace context first, then what its 256-byte budget kept of the rest. */
const prefixOf = (actual: View, expected: View): boolean =>
  typeof actual[0] === 'string' && typeof expected[0] === 'string' && actual.length === 1 && actual[0].startsWith(expected[0]);

// A specifier in a variable: bundlers leave the import to run time, so an absent peer is only "not found".
const importOptional = (specifier: string): Promise<any> => import(specifier);

const CARRIER_KEY = 'x-amzn-trace-id';
async function otelPeer(): Promise<Contender> {
  const [{ AWSXRayPropagator }, api] = await Promise.all([importOptional('@opentelemetry/propagator-aws-xray'), importOptional('@opentelemetry/api')]);
  const { defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, trace } = api;
  const propagator = new AWSXRayPropagator();
  const hot = (header: string): View => {
    const context = propagator.extract(ROOT_CONTEXT, { [CARRIER_KEY]: header }, defaultTextMapGetter);
    const carrier: Record<string, string> = {};
    propagator.inject(context, carrier, defaultTextMapSetter);
    return [carrier[CARRIER_KEY]];
  };
  return {
    name: '@opentelemetry/propagator-aws-xray',
    group: 'peer',
    note: 'extract into a Context (trace id, span id, flags), inject writes Root;Parent;Sampled: every other field (Lineage included) is dropped',
    parse(header) {
      const span = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, { [CARRIER_KEY]: header }, defaultTextMapGetter));
      return [span?.traceId, span?.spanId, span?.traceFlags];
    },
    hot,
    batch: oneByOne(hot),
    expectParse: (variant) => [variant.root.slice(2).replace('-', ''), variant.parent, 1],
    expectHot: (variant) => [contextHeader(variant)],
  };
}

interface XRayTraceData {
  root?: string;
  parent?: string;
  sampled?: string;
  data?: Record<string, string>;
}
async function xrayPeer(): Promise<Contender> {
  const sdk = await importOptional('aws-xray-sdk-core');
  const utils = (sdk.default ?? sdk).utils as { processTraceData(header: string): XRayTraceData };
  const hot = (header: string): View => {
    const data = utils.processTraceData(header);
    // As the SDK's patchers/aws_p.js writes it (it has no function of its own for this).
    let outgoing = 'Root=' + data.root + ';Parent=' + data.parent + ';Sampled=' + data.sampled;
    if (data.data != null) for (const [key, value] of Object.entries(data.data)) outgoing += ';' + key + '=' + value;
    return [outgoing];
  };
  return {
    name: 'aws-xray-sdk-core',
    group: 'peer',
    note: 'utils.processTraceData, then the header its AWS SDK patcher writes (aws_p.js): Root;Parent;Sampled and the unknown fields it kept (256 B of them), Self dropped',
    parse(header) {
      const data = utils.processTraceData(header);
      return [data.root, data.parent, data.sampled, data.data?.Lineage ?? null];
    },
    hot,
    batch: oneByOne(hot),
    expectParse: ourParse,
    // It re-emits the trace context first; what follows depends on its byte budget: checked as a prefix.
    expectHot: (variant) => [contextHeader(variant)],
    hotMatches: prefixOf,
  };
}

/** A peer that loaded, or why not. */
export type PeerLoad = { name: string; contender: Contender } | { name: string; notFound: string };

/** The peers installed next to trace-lineage: each loaded, or the reason it was not found. */
export async function loadPeers(): Promise<PeerLoad[]> {
  const attempts: Array<[string, () => Promise<Contender>]> = [
    ['aws-xray-sdk-core', xrayPeer],
    ['@opentelemetry/propagator-aws-xray', otelPeer],
  ];
  return Promise.all(
    attempts.map(async ([name, load]): Promise<PeerLoad> => {
      try {
        return { name, contender: await load() };
      } catch (error) {
        return { name, notFound: (error as Error).message.split('\n')[0] };
      }
    }),
  );
}

function verify(what: string, actual: View, expected: View, matches: (actual: View, expected: View) => boolean): void {
  if (!matches(actual, expected)) {
    throw new Error(`${what}: wrong answer\n  got      ${JSON.stringify(actual).slice(0, 400)}\n  expected ${JSON.stringify(expected).slice(0, 400)}`);
  }
}

/**
 * Every answer of `contender` on every variant of every corpus header (parse, hot path, and
 * batches of `batchSizes` short headers), before anything is timed. Throws on the first wrong
 * answer. Returns how many answers were checked.
 */
export function checkAnswers(contender: Contender, corpus: readonly CorpusHeader[] = CORPUS, batchSizes: readonly number[] = []): number {
  const hotMatches = contender.hotMatches ?? isDeepStrictEqual;
  let checked = 0;
  for (const shape of corpus) {
    for (const variant of shape.variants) {
      verify(`${contender.name} parse ${shape.name}`, contender.parse(variant.header), contender.expectParse(variant), isDeepStrictEqual);
      verify(`${contender.name} hot ${shape.name}`, contender.hot(variant.header), contender.expectHot(variant), hotMatches);
      checked += 2;
    }
  }
  const variants = corpus[0].variants;
  for (const size of batchSizes) {
    const batch = Array.from({ length: size }, (_, i) => variants[i % variants.length]);
    const actual = contender.batch(batch.map((variant) => variant.header));
    const expected = batch.flatMap((variant) => contender.expectHot(variant));
    const width = expected.length / size;
    if (actual.length !== expected.length) verify(`${contender.name} batch of ${size}`, actual, expected, isDeepStrictEqual);
    for (let i = 0; i < size; i++) {
      verify(`${contender.name} batch of ${size}, header ${i}`, actual.slice(i * width, (i + 1) * width), expected.slice(i * width, (i + 1) * width), hotMatches);
    }
    checked += 1;
  }
  return checked;
}
