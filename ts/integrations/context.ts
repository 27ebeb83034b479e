/**
 * The current invocation's trace header, shared by the Lambda guard (which sets it) and the AWS
 * SDK plugin (which reads it), and the Lambda service's own header (invoke store, env var).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_LOOP_KEY, parse, percentEncodeEnv, setField, type LoopTrust, type Options } from '../index.js';

/** One record's chain, as the guard counted it on entry (or a batch's deepest, outside a record scope). */
export interface Chain {
  /** The outgoing trace header: the incoming one with this resource's entry counted. */
  traceHeader: string;
  /** This resource's count in the chain, this invocation included. */
  count: number;
  threshold: number;
  /** The resource counted (by default the invoked function's ARN). */
  resource: string;
  /** `count > threshold` (only under the `report` policy does a looping record's handler run). */
  loop: boolean;
  /** What happened to the incoming loop field: `untrusted` / `bad_signature` mean this chain counts from this hop. */
  trust: LoopTrust;
}

/** What the guard knows about one invocation: the chain to forward, per record too. */
export interface LineageScope {
  /** The chain outside a record scope: in a batch, the deepest record's (highest count), so a loop is never undercounted. */
  chain?: Chain;
  /** Each guarded record's chain (for `withRecordLineage` and record handlers). */
  readonly records: WeakMap<object, Chain>;
  /** Shared by every scope of one invocation; `closed` once it returned, so a scope that outlives it shows nothing. */
  readonly invocation: { closed: boolean };
  /** The scope this one was entered over (middy's `enterWith`): current again once this invocation is closed. */
  readonly previous?: LineageScope;
}

// One store per process, even when the package is loaded twice (ESM and CJS, or two bundles):
// the guard and the plugin must see the same one. (The OpenTelemetry API keeps its globals so.)
const STORE_KEY = Symbol.for('trace-lineage.lineage-scope');
const globals = globalThis as typeof globalThis & { [STORE_KEY]?: AsyncLocalStorage<LineageScope> };
export const lineageStorage: AsyncLocalStorage<LineageScope> = (globals[STORE_KEY] ??= new AsyncLocalStorage<LineageScope>());

/** The scope of the running invocation, skipping scopes whose invocation has returned. */
export function activeScope(): LineageScope | undefined {
  let scope = lineageStorage.getStore();
  while (scope?.invocation.closed) scope = scope.previous;
  return scope;
}

/**
 * The current chain: the record's inside a record handler or `withRecordLineage`, else (in a
 * batch) the deepest record's; `undefined` outside a guarded invocation.
 */
export function currentChain(): Chain | undefined {
  return activeScope()?.chain;
}

/** The chain header the guard set for the running invocation (or record), if any. */
export function currentTraceHeader(): string | undefined {
  return activeScope()?.chain?.traceHeader;
}

/**
 * Run `fn` with `record`'s chain as the current one: in a batch, SDK calls made for one record
 * then carry that record's chain instead of the batch's deepest one.
 */
export function withRecordLineage<T>(record: object, fn: () => T): T {
  const scope = activeScope();
  const chain = scope?.records.get(record);
  if (scope === undefined || chain === undefined) return fn();
  return lineageStorage.run({ chain, records: scope.records, invocation: scope.invocation, previous: scope.previous }, fn);
}

interface InvokeStoreLike {
  getXRayTraceId(): string | undefined;
}
let invokeStore: Promise<InvokeStoreLike | undefined> | undefined;

/** `@aws/lambda-invoke-store`, if installed: an optional peer, loaded on first use. */
function loadInvokeStore(): Promise<InvokeStoreLike | undefined> {
  invokeStore ??= import('@aws/lambda-invoke-store').then(
    (module) => module.InvokeStore.getInstanceAsync(),
    () => undefined,
  );
  return invokeStore;
}

/**
 * The header the Lambda service gave this invocation, exactly where the AWS SDK looks for it:
 * only when `AWS_LAMBDA_FUNCTION_NAME` is set, the invoke store first (several invocations may
 * share the process), else `_X_AMZN_TRACE_ID`, percent-encoded as the SDKs do.
 */
export async function lambdaTraceHeader(): Promise<string | undefined> {
  if (!process.env.AWS_LAMBDA_FUNCTION_NAME) return undefined;
  const fromStore = (await loadInvokeStore())?.getXRayTraceId();
  const traceHeader = fromStore || process.env._X_AMZN_TRACE_ID;
  return traceHeader ? percentEncodeEnv(traceHeader) : undefined;
}

/** Our loop field's value in `traceHeader`, if it has one. */
export function loopFieldOf(traceHeader: string, options: Options = {}): string | undefined {
  return parse(traceHeader, options).loop?.value;
}

/**
 * The header to send: `base` (what would have been sent without us) with our loop field set to
 * the chain's. Everything else in `base`, AWS's `Lineage` included, stays byte for byte.
 */
export function mergeLoopField(base: string, loopValue: string, options: Options = {}): string {
  return setField(base, options.loopKey ?? DEFAULT_LOOP_KEY, loopValue, options);
}
