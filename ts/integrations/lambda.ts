/**
 * The Lambda handler guard: `withLoopGuard(handler, options)`, or `loopGuardMiddleware(options)`
 * for middy. Per record it finds the incoming trace header, counts this resource's entry
 * (`LoopGuard.enter`, the only place that counts), applies the policy to the records that loop,
 * reports each detection at once (`onLoop`, one CloudWatch EMF line), and runs the handler with
 * the chain in AsyncLocalStorage, where the SDK plugin reads it.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_THRESHOLD, LoopGuard, parse, type EnterResult, type LoopGuardOptions as GuardOptions } from '../index.js';
import { type Carrier } from './carriers.js';
import { lambdaTraceHeader, lineageStorage, type LineageScope } from './context.js';
import { shapeOf, type EventShape } from './sources.js';

export { TRACE_ATTRIBUTE, dynamoDBAttributeCarrier, s3MetadataCarrier, type Carrier } from './carriers.js';
export { currentTraceHeader, withRecordLineage } from './context.js';

/** What to do with a record whose count is above the threshold. */
export type LoopPolicy = 'throw' | 'skip' | 'report';

/** The part of the Lambda context the guard uses. */
export interface LambdaContextLike {
  invokedFunctionArn?: string;
}

export interface LoopDetection {
  resource: string;
  resourceHash: string;
  /** This resource's count in the chain, this entry included (the chain depth at this resource). */
  count: number;
  threshold: number;
  /** The chain's `Root` (its trace id), if the header has one. */
  root: string | undefined;
  policy: LoopPolicy;
  /** `aws:sqs`, `aws:sns`, `aws:s3`, `aws:dynamodb`, `aws:kinesis`, `aws:events`, `http` or `invoke`. */
  eventSource: string;
  /** The header the record came with. */
  traceHeader: string;
  record: unknown;
}

export interface LambdaGuardOptions extends GuardOptions {
  /** `skip` (default): report the record as a batch item failure; `throw`: throw `RecursiveLoopError`; `report`: only report. */
  policy?: LoopPolicy;
  /** The resource whose entries are counted: default the context's `invokedFunctionArn`. */
  resource?: string | ((record: unknown, context: LambdaContextLike) => string);
  /** Thresholds by resource id, over `threshold`: the allowance of a resource that recurses on purpose. */
  thresholds?: Record<string, number>;
  /** Carriers by event source (`aws:s3`, `aws:dynamodb`, `aws:kinesis`, ...): read before the built-in places. */
  carriers?: Record<string, Carrier>;
  /** Called at once for every detection, before the handler runs. */
  onLoop?: (detection: LoopDetection) => void | Promise<void>;
  /** Namespace of the EMF metrics (default `TraceLineage`). */
  metricNamespace?: string;
  /** Where the EMF line goes (default: one line on stdout); `false` for none. */
  writeMetric?: ((line: string) => void) | false;
}

/** Thrown by the `throw` policy, and by `skip` where the source has no partial-batch response. */
export class RecursiveLoopError extends Error {
  readonly count: number;
  readonly threshold: number;
  readonly resource: string;
  /** The chain's `Root`, if any. */
  readonly root: string | undefined;
  readonly traceHeader: string;

  constructor(detection: LoopDetection) {
    super(`recursive loop: ${detection.resource} entered ${detection.count} times in chain ${detection.root ?? '(no Root)'} (threshold ${detection.threshold})`);
    this.name = 'RecursiveLoopError';
    this.count = detection.count;
    this.threshold = detection.threshold;
    this.resource = detection.resource;
    this.root = detection.root;
    this.traceHeader = detection.traceHeader;
  }
}

/** A fresh X-Ray `Root` for a chain that starts here. */
function newRoot(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')}`;
}

/** What the guard decided for one event. */
interface Guarded {
  scope: LineageScope;
  /** The event the handler gets: looping records removed under `skip`. */
  event: unknown;
  /** Batch item ids of the skipped records. */
  skipped: string[];
  /** Every record was skipped: the handler must not run. */
  nothingLeft: boolean;
}

/** The guard behind both `withLoopGuard` and `loopGuardMiddleware`. */
function createGuard(options: LambdaGuardOptions) {
  const policy = options.policy ?? 'skip';
  if (!['throw', 'skip', 'report'].includes(policy)) throw new TypeError(`trace-lineage: unknown loop policy ${JSON.stringify(policy)}`);
  const guards = new Map<string, LoopGuard>();
  const namespace = options.metricNamespace ?? 'TraceLineage';
  const writeMetric = options.writeMetric ?? ((line: string) => void process.stdout.write(`${line}\n`));

  function guardFor(resource: string): LoopGuard {
    let guard = guards.get(resource);
    if (guard === undefined) {
      guard = new LoopGuard(resource, { ...options, threshold: options.thresholds?.[resource] ?? options.threshold ?? DEFAULT_THRESHOLD });
      guards.set(resource, guard);
    }
    return guard;
  }

  function resourceOf(record: unknown, context: LambdaContextLike): string {
    const resource = typeof options.resource === 'function' ? options.resource(record, context) : (options.resource ?? context?.invokedFunctionArn);
    if (typeof resource !== 'string' || resource === '') {
      throw new TypeError('trace-lineage: no resource to count: pass `resource`, or a Lambda context with `invokedFunctionArn`');
    }
    return resource;
  }

  async function incomingHeader(shape: EventShape, record: any, lambdaHeader: string | undefined): Promise<string> {
    const fromCarrier = await options.carriers?.[shape.eventSource]?.read?.(record);
    if (fromCarrier) return fromCarrier;
    const found = shape.headers(record).filter((header): header is string => typeof header === 'string' && header !== '');
    // Several places (SQS): the one that carries our field, else the first.
    const withLoop = found.length > 1 ? found.find((header) => parse(header, options).loop !== null) : undefined;
    return withLoop ?? found[0] ?? lambdaHeader ?? newRoot();
  }

  async function report(detection: LoopDetection): Promise<void> {
    if (writeMetric !== false) {
      const metrics = [
        { Name: 'RecursiveLoopDetected', Unit: 'Count' },
        { Name: 'ChainDepth', Unit: 'Count' },
      ];
      writeMetric(
        JSON.stringify({
          _aws: { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['Resource']], Metrics: metrics }] },
          Resource: detection.resource,
          RecursiveLoopDetected: 1,
          ChainDepth: detection.count,
          Threshold: detection.threshold,
          Policy: detection.policy,
          EventSource: detection.eventSource,
          Root: detection.root,
        }),
      );
    }
    await options.onLoop?.(detection);
  }

  return async function guardEvent(event: any, context: LambdaContextLike, scope: LineageScope): Promise<Guarded> {
    const shape = shapeOf(event);
    const lambdaHeader = await lambdaTraceHeader();
    const kept: unknown[] = [];
    const skipped: string[] = [];
    let deepest: EnterResult | undefined;
    let stop: RecursiveLoopError | undefined;
    for (const record of shape.records) {
      const traceHeader = await incomingHeader(shape, record, lambdaHeader);
      const entered = guardFor(resourceOf(record, context)).enter(traceHeader);
      if (entered.loop) {
        const detection: LoopDetection = {
          resource: entered.resource,
          resourceHash: entered.resourceHash,
          count: entered.count,
          threshold: entered.threshold,
          root: parse(traceHeader, options).root?.value,
          policy,
          eventSource: shape.eventSource,
          traceHeader,
          record,
        };
        await report(detection);
        if (policy === 'throw' || (policy === 'skip' && shape.itemIdentifier === undefined)) {
          stop ??= new RecursiveLoopError(detection);
          continue;
        }
        if (policy === 'skip') {
          skipped.push(shape.itemIdentifier!(record));
          continue;
        }
      }
      kept.push(record);
      if (typeof record === 'object' && record !== null) scope.records.set(record, entered.header);
      if (deepest === undefined || entered.count > deepest.count) deepest = entered;
    }
    if (stop !== undefined) throw stop;
    scope.traceHeader = deepest?.header;
    const filtered = skipped.length === 0 ? event : { ...event, Records: kept };
    return { scope, event: filtered, skipped, nothingLeft: kept.length === 0 };
  };
}

function withFailures(response: any, skipped: string[]): any {
  if (skipped.length === 0) return response;
  const own: Array<{ itemIdentifier: string }> = response?.batchItemFailures ?? [];
  return { ...response, batchItemFailures: [...own, ...skipped.map((itemIdentifier) => ({ itemIdentifier }))] };
}

/**
 * Wrap a Lambda handler: the guard runs before it, and it runs with the chain in
 * AsyncLocalStorage. Records skipped as loops are added to the handler's `batchItemFailures`.
 */
export function withLoopGuard<TEvent, TResult, TContext extends LambdaContextLike>(
  handler: (event: TEvent, context: TContext) => Promise<TResult> | TResult,
  options: LambdaGuardOptions = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const guardEvent = createGuard(options);
  return async (event, context) => {
    const guarded = await guardEvent(event, context, { records: new WeakMap() });
    if (guarded.nothingLeft && guarded.skipped.length > 0) return withFailures(undefined, guarded.skipped);
    const response = await lineageStorage.run(guarded.scope, () => handler(guarded.event as TEvent, context));
    return withFailures(response, guarded.skipped);
  };
}

/** The middy request, as far as the middleware uses it. */
interface MiddyRequest {
  event: any;
  context: any;
  response: any;
}

/**
 * The guard as a middy middleware. Use it first: it enters the chain's AsyncLocalStorage scope
 * synchronously at the start of `before`, so the handler (and the SDK plugin in it) sees it.
 */
export function loopGuardMiddleware(options: LambdaGuardOptions = {}) {
  const guardEvent = createGuard(options);
  const skippedByRequest = new WeakMap<MiddyRequest, string[]>();
  return {
    before(request: MiddyRequest): Promise<unknown> {
      // middy has no "around" hook: `enterWith` before the first `await` puts the scope in the
      // context that middy then calls the handler from; it is filled in below.
      const scope: LineageScope = { records: new WeakMap() };
      lineageStorage.enterWith(scope);
      return guardEvent(request.event, request.context, scope).then((guarded) => {
        request.event = guarded.event;
        skippedByRequest.set(request, guarded.skipped);
        // A defined return value is middy's early response: the handler does not run.
        return guarded.nothingLeft && guarded.skipped.length > 0 ? withFailures(undefined, guarded.skipped) : undefined;
      });
    },
    after(request: MiddyRequest): void {
      request.response = withFailures(request.response, skippedByRequest.get(request) ?? []);
    },
  };
}
