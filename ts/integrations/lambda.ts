/**
 * The Lambda handler guard: `withLoopGuard(handler, options)`, `withRecordGuard(recordHandler,
 * options)` (each record's work in that record's chain), or `loopGuardMiddleware(options)` for
 * middy. Per record it finds the incoming trace header, counts this resource's entry
 * (`LoopGuard.enterBatch`, the only place that counts), and decides that record's fate from that
 * record alone: run, failed as a loop, or (a header that cannot be used) run as a fresh chain or
 * failed, by option. On a FIFO queue a failed record also fails the records after it. Each
 * detection is reported at once (a callback, one CloudWatch EMF line); the handler runs with the
 * chains in AsyncLocalStorage, where the SDK plugin reads them.
 */
import { randomBytes } from 'node:crypto';
import { DEFAULT_THRESHOLD, LoopGuard, TraceHeaderError, parse, type EnterResult, type LoopGuardOptions as GuardOptions, type LoopTrust } from '../index.js';
import { type Carrier } from './carriers.js';
import { activeScope, lambdaTraceHeader, lineageStorage, type Chain, type LineageScope } from './context.js';
import { originOf, shapeOf, type EventShape, type ItemIdentifier, type KafkaItemIdentifier } from './sources.js';

export { TRACE_ATTRIBUTE, dynamoDBAttributeCarrier, eventBridgeDetailCarrier, kinesisEnvelopeCarrier, openKinesisEnvelope, s3MetadataCarrier, type Carrier } from './carriers.js';
export { currentChain, currentTraceHeader, withRecordLineage, type Chain } from './context.js';

/** What to do with a record whose count is above the threshold. */
export type LoopPolicy = 'throw' | 'skip' | 'report';
/** What to do with a record whose every header place holds something that is not a usable trace header. */
export type InvalidHeaderPolicy = 'fresh' | 'fail';

/** The part of the Lambda context the guard uses. */
export interface LambdaContextLike {
  invokedFunctionArn?: string;
}

/** The record type of a Lambda event: `Records[]` (SQS, SNS, S3, streams), Kafka's `records`, else the event itself. */
export type RecordOf<TEvent> = TEvent extends { Records: ReadonlyArray<infer R> }
  ? R
  : TEvent extends { records: Record<string, ReadonlyArray<infer K>> }
    ? K
    : TEvent;

export interface LoopDetection<TRecord = unknown> {
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
  /** What happened to the incoming loop field (`untrusted`, `bad_signature`: ignored, counted from this hop). */
  trust: LoopTrust;
  record: TRecord;
}

/** A record none of whose header places held a usable trace header. */
export interface InvalidHeaderReport<TRecord = unknown> {
  resource: string;
  eventSource: string;
  /** The first unusable header's error: its stable code and byte offset. */
  error: TraceHeaderError;
  /** The unusable header (at most its first 256 characters). */
  traceHeader: string;
  /** `fresh`: the record runs as a new chain (counted from 1); `fail`: the record alone is failed. */
  action: InvalidHeaderPolicy;
  record: TRecord;
}

export interface LambdaGuardOptions<TRecord = unknown> extends GuardOptions {
  /** `skip` (default): report the record as a batch item failure; `throw`: throw `RecursiveLoopError`; `report`: only report. */
  policy?: LoopPolicy;
  /** The resource whose entries are counted: default the context's `invokedFunctionArn`. */
  resource?: string | ((record: TRecord, context: LambdaContextLike) => string);
  /** Thresholds by resource id, over `threshold`: the allowance of a resource that recurses on purpose. */
  thresholds?: Record<string, number>;
  /** Carriers by event source (`aws:s3`, `aws:dynamodb`, `aws:kinesis`, ...): read before the built-in places. */
  carriers?: Record<string, Carrier>;
  /** Called at once for every detection, before the handler runs. Its failure is reported on stderr and changes nothing. */
  onLoop?: (detection: LoopDetection<TRecord>) => void | Promise<void>;
  /**
   * A record with no usable header (a CR/LF, a non-ASCII byte, too long, too many fields):
   * `fresh` (default) runs it as a new chain, `fail` fails that record alone. Reported either way.
   */
  invalidHeader?: InvalidHeaderPolicy;
  /** Called at once for every record with no usable header. Its failure is reported on stderr and changes nothing. */
  onInvalidHeader?: (report: InvalidHeaderReport<TRecord>) => void | Promise<void>;
  /**
   * On a FIFO queue, which records a failed record takes with it: `batch` (default, as AWS
   * documents) every later record of the batch, `group` only the later records of its message
   * group (Powertools' `skipGroupOnError`).
   */
  fifo?: 'batch' | 'group';
  /**
   * Warn (once per event source per process, on stderr) when a record of a source that can only
   * carry the header through a carrier (Kinesis, DynamoDB streams, S3, ...) has none and no
   * carrier is configured: the count restarts at this hop. Default true.
   */
  warnMissingHeader?: boolean;
  /**
   * Which event sources' incoming loop fields are trusted, by event source (`http`, `aws:sqs`,
   * ...): by default every source but the public ones (`http`: API Gateway v1/v2, function URLs,
   * ALB), where any client writes the header. An untrusted source's loop field counts only when
   * its tag verifies with one of `keys`; else the chain counts from this hop, and a claimed count
   * that would have been a loop is reported (EMF `UntrustedLoopCount`).
   */
  trust?: Partial<Record<string, 'trusted' | 'untrusted'>>;
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

  constructor(detection: LoopDetection<unknown>) {
    super(`recursive loop: ${detection.resource} entered ${detection.count} times in chain ${detection.root ?? '(no Root)'} (threshold ${detection.threshold})`);
    this.name = 'RecursiveLoopError';
    this.count = detection.count;
    this.threshold = detection.threshold;
    this.resource = detection.resource;
    this.root = detection.root;
    this.traceHeader = detection.traceHeader;
  }
}

/** `TRACE_LINEAGE_KEYS`: comma-separated 32-hex-digit SipHash keys, the first signs. */
function keysFromEnv(): string[] | undefined {
  const value = process.env.TRACE_LINEAGE_KEYS?.trim();
  return value ? value.split(',').map((key) => key.trim()) : undefined;
}

/** Event sources already warned about (once per process). */
const warnedSources = new Set<string>();

/** A fresh X-Ray `Root` for a chain that starts here. */
function newRoot(): string {
  const epoch = Math.floor(Date.now() / 1000).toString(16).padStart(8, '0');
  return `Root=1-${epoch}-${randomBytes(12).toString('hex')}`;
}

/** Why a record is not run. */
type FailReason = 'loop' | 'invalid_header' | 'fifo_order' | 'handler_error';

/** What the guard decided for one event. */
interface Guarded {
  scope: LineageScope;
  /** The event the handler gets: the failed records taken out. */
  event: unknown;
  /** The records the handler gets, in order. */
  records: unknown[];
  /** Batch item ids of the records the guard failed. */
  failed: ItemIdentifier[];
  /** Every record was failed: the handler must not run. */
  nothingLeft: boolean;
  shape: EventShape;
}

/** A record's header, as found: usable (a string to enter), or every place unusable. */
type Incoming = { header: string } | { unusable: TraceHeaderError; header: string };

/** The guard behind `withLoopGuard`, `withRecordGuard` and `loopGuardMiddleware`. */
function createGuard<TRecord>(options: LambdaGuardOptions<TRecord>) {
  const policy = options.policy ?? 'skip';
  if (!['throw', 'skip', 'report'].includes(policy)) throw new TypeError(`trace-lineage: unknown loop policy ${JSON.stringify(policy)}`);
  const invalidHeader = options.invalidHeader ?? 'fresh';
  if (!['fresh', 'fail'].includes(invalidHeader)) throw new TypeError(`trace-lineage: unknown invalidHeader ${JSON.stringify(invalidHeader)}`);
  const fifoScope = options.fifo ?? 'batch';
  if (!['batch', 'group'].includes(fifoScope)) throw new TypeError(`trace-lineage: unknown fifo ${JSON.stringify(fifoScope)}`);
  const guards = new Map<string, LoopGuard>();
  const namespace = options.metricNamespace ?? 'TraceLineage';
  const writeMetric = options.writeMetric ?? ((line: string) => void process.stdout.write(`${line}\n`));

  // The signing keys: passed in, else TRACE_LINEAGE_KEYS (comma-separated, the first signs).
  const keys = options.keys ?? keysFromEnv();

  function trusted(shape: EventShape): boolean {
    const configured = options.trust?.[shape.eventSource];
    return configured === undefined ? originOf(shape.eventSource) === 'internal' : configured === 'trusted';
  }

  function guardFor(resource: string): LoopGuard {
    let guard = guards.get(resource);
    if (guard === undefined) {
      guard = new LoopGuard(resource, { ...options, keys, threshold: options.thresholds?.[resource] ?? options.threshold ?? DEFAULT_THRESHOLD });
      guards.set(resource, guard);
    }
    return guard;
  }

  function resourceOf(record: TRecord, context: LambdaContextLike): string {
    const resource = typeof options.resource === 'function' ? options.resource(record, context) : (options.resource ?? context?.invokedFunctionArn);
    if (typeof resource !== 'string' || resource === '') {
      throw new TypeError('trace-lineage: no resource to count: pass `resource`, or a Lambda context with `invokedFunctionArn`');
    }
    return resource;
  }

  /** The record's header: the carrier's, else the built-in places; of several, a usable one (ours first). */
  async function incomingHeader(shape: EventShape, record: any, lambdaHeader: string | undefined): Promise<Incoming> {
    const fromCarrier = await options.carriers?.[shape.eventSource]?.read?.(record);
    const found = [fromCarrier, ...shape.headers(record)].filter((header): header is string => typeof header === 'string' && header !== '');
    if (found.length === 0) {
      // The count restarts here unless the Lambda service's header carries our field.
      if (shape.missingHint !== undefined && options.carriers?.[shape.eventSource] === undefined && !hasLoopField(lambdaHeader)) warnMissing(shape);
      return { header: lambdaHeader ?? newRoot() };
    }
    if (found.length === 1) return { header: found[0] };
    let firstUsable: string | undefined;
    let firstError: { unusable: TraceHeaderError; header: string } | undefined;
    for (const header of found) {
      try {
        if (parse(header, options).loop !== null) return { header };
        firstUsable ??= header;
      } catch (error) {
        if (!(error instanceof TraceHeaderError)) throw error;
        firstError ??= { unusable: error, header };
      }
    }
    return firstUsable !== undefined ? { header: firstUsable } : firstError!;
  }

  function hasLoopField(header: string | undefined): boolean {
    if (header === undefined) return false;
    try {
      return parse(header, options).loop !== null;
    } catch {
      return false;
    }
  }

  function warnMissing(shape: EventShape): void {
    if (options.warnMissingHeader === false || warnedSources.has(shape.eventSource)) return;
    warnedSources.add(shape.eventSource);
    process.stderr.write(
      `trace-lineage: a record from ${shape.eventSource} carried no trace header and no carrier is configured for it, so the loop count restarts at this hop: ${shape.missingHint} (warnMissingHeader: false silences this)\n`,
    );
  }

  /** A user callback: awaited, and its failure reported on stderr, never the batch's. */
  async function callHook(name: string, hook: (() => void | Promise<void>) | undefined): Promise<void> {
    if (hook === undefined) return;
    try {
      await hook();
    } catch (error) {
      process.stderr.write(`trace-lineage: ${name} failed (the batch goes on): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    }
  }

  /** One CloudWatch EMF line: the metric values by `Resource`, then searchable properties. */
  function emf(resource: string, values: Record<string, number>, properties: Record<string, unknown>): void {
    if (writeMetric === false) return;
    const metrics = Object.keys(values).map((Name) => ({ Name, Unit: 'Count' }));
    const _aws = { Timestamp: Date.now(), CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['Resource']], Metrics: metrics }] };
    writeMetric(JSON.stringify({ _aws, Resource: resource, ...values, ...properties }));
  }

  async function reportLoop(detection: LoopDetection<TRecord>): Promise<void> {
    emf(
      detection.resource,
      { RecursiveLoopDetected: 1, ChainDepth: detection.count },
      { Threshold: detection.threshold, Policy: detection.policy, EventSource: detection.eventSource, Root: detection.root },
    );
    await callHook('onLoop', options.onLoop && (() => options.onLoop!(detection)));
  }

  /**
   * An ignored incoming loop field (untrusted source without a valid tag, or a bad tag): a
   * metric only when it matters, that is when its claimed count would have stopped this record.
   */
  async function reportUntrusted(result: EnterResult, traceHeader: string, shape: EventShape): Promise<void> {
    let claimed: number | undefined;
    try {
      claimed = parse(traceHeader, options).loop?.entries.find((entry) => entry.hash === result.resourceHash)?.count;
    } catch {
      return;
    }
    if (claimed === undefined || claimed + 1 <= result.threshold) return;
    emf(result.resource, { UntrustedLoopCount: 1 }, { ClaimedCount: claimed, Threshold: result.threshold, Trust: result.trust, EventSource: shape.eventSource });
  }

  async function reportInvalid(report: InvalidHeaderReport<TRecord>): Promise<void> {
    emf(
      report.resource,
      { InvalidTraceHeader: 1 },
      { ErrorCode: report.error.codeName, Offset: report.error.offset, Action: report.action, EventSource: report.eventSource },
    );
    await callHook('onInvalidHeader', options.onInvalidHeader && (() => options.onInvalidHeader!(report)));
  }

  return async function guardEvent(event: any, context: LambdaContextLike, scope: LineageScope): Promise<Guarded> {
    const shape = shapeOf(event);
    const records = shape.records as TRecord[];
    const lambdaHeader = await lambdaTraceHeader();

    // 1. Each record's header and resource; entered per resource in one batch call.
    const incoming = await Promise.all(records.map((record) => incomingHeader(shape, record, lambdaHeader)));
    const resources = records.map((record) => resourceOf(record, context));
    const invalid = new Map<number, InvalidHeaderReport<TRecord>>();
    const byResource = new Map<string, number[]>();
    incoming.forEach((found, i) => {
      if ('unusable' in found) {
        invalid.set(i, { resource: resources[i], eventSource: shape.eventSource, error: found.unusable, traceHeader: found.header.slice(0, 256), action: invalidHeader, record: records[i] });
      }
      const indices = byResource.get(resources[i]) ?? [];
      indices.push(i);
      byResource.set(resources[i], indices);
    });
    const entered = new Array<EnterResult | TraceHeaderError>(records.length);
    for (const [resource, indices] of byResource) {
      const guard = guardFor(resource);
      const results = guard.enterBatch(
        indices.map((i) => (invalid.has(i) ? newRoot() : incoming[i].header)),
        { trusted: trusted(shape) },
      );
      indices.forEach((i, k) => (entered[i] = results[k]));
    }

    // 2. Each record's own fate; reports at once.
    const fate = new Array<FailReason | undefined>(records.length);
    let stop: Error | undefined;
    for (let i = 0; i < records.length; i++) {
      let result = entered[i];
      if (result instanceof TraceHeaderError) {
        // The only usable-looking header failed to enter: unusable, like any other.
        invalid.set(i, { resource: resources[i], eventSource: shape.eventSource, error: result, traceHeader: incoming[i].header.slice(0, 256), action: invalidHeader, record: records[i] });
        result = guardFor(resources[i]).enter(newRoot(), { trusted: trusted(shape) });
        entered[i] = result;
      }
      const report = invalid.get(i);
      if (report !== undefined) {
        await reportInvalid(report);
        if (invalidHeader === 'fail') {
          fate[i] = 'invalid_header';
          if (shape.itemIdentifier === undefined) stop ??= report.error;
          continue;
        }
      }
      if (result.trust === 'untrusted' || result.trust === 'bad_signature') await reportUntrusted(result, incoming[i].header, shape);
      if (result.loop) {
        const detection: LoopDetection<TRecord> = {
          resource: result.resource,
          resourceHash: result.resourceHash,
          count: result.count,
          threshold: result.threshold,
          root: parse(incoming[i].header, options).root?.value,
          policy,
          eventSource: shape.eventSource,
          traceHeader: incoming[i].header,
          trust: result.trust,
          record: records[i],
        };
        await reportLoop(detection);
        if (policy === 'throw' || (policy === 'skip' && shape.itemIdentifier === undefined)) {
          stop ??= new RecursiveLoopError(detection);
        } else if (policy === 'skip') {
          fate[i] = 'loop';
        }
      }
    }
    if (stop !== undefined) throw stop;

    // 3. FIFO: a failed record takes the later ones (of the batch, or of its group) with it.
    if (shape.fifo) failAfterFirst(fate, records, fifoScope === 'group' ? shape.groupOf : undefined);

    const unwrap = options.carriers?.[shape.eventSource]?.unwrap;
    const kept: unknown[] = [];
    const failed: ItemIdentifier[] = [];
    let deepest: Chain | undefined;
    for (let i = 0; i < records.length; i++) {
      if (fate[i] !== undefined) {
        failed.push(shape.itemIdentifier!(records[i]));
        continue;
      }
      const result = entered[i] as EnterResult;
      const chain: Chain = { traceHeader: result.header, count: result.count, threshold: result.threshold, resource: result.resource, loop: result.loop, trust: result.trust };
      // A carrier that wraps the producer's data (the Kinesis envelope) gives the handler the data back.
      const record = unwrap === undefined ? records[i] : unwrap(records[i]);
      kept.push(record);
      for (const seen of [records[i], record]) if (typeof seen === 'object' && seen !== null) scope.records.set(seen as object, chain);
      if (deepest === undefined || chain.count > deepest.count) deepest = chain;
    }
    scope.chain = deepest;
    const filtered = failed.length === 0 && unwrap === undefined ? event : shape.subset(kept);
    return { scope, event: filtered, records: kept, failed, nothingLeft: kept.length === 0, shape };
  };
}

/**
 * FIFO order: once a record fails, every later record fails too (only those of the same
 * message group when `groupOf` is given), so that a retry delivers them in order.
 */
export function failAfterFirst<R>(fate: Array<FailReason | undefined>, records: readonly R[], groupOf?: (record: R) => string | undefined): void {
  const stopped = new Set<string | undefined>();
  let all = false;
  for (let i = 0; i < records.length; i++) {
    const group = groupOf?.(records[i]);
    if (all || (groupOf !== undefined && stopped.has(group))) {
      fate[i] ??= 'fifo_order';
      continue;
    }
    if (fate[i] !== undefined) {
      if (groupOf === undefined) all = true;
      else stopped.add(group);
    }
  }
}

/** An id's identity (Kafka's ids are objects). */
const idKey = (id: ItemIdentifier): string => (typeof id === 'string' ? id : `${id.partition}@${id.offset}`);

function withFailures(response: any, failed: ItemIdentifier[]): any {
  if (failed.length === 0) return response;
  const own: Array<{ itemIdentifier: ItemIdentifier }> = response?.batchItemFailures ?? [];
  const ownIds = new Set(own.map((failure) => idKey(failure.itemIdentifier)));
  return { ...response, batchItemFailures: [...own, ...failed.filter((id) => !ownIds.has(idKey(id))).map((itemIdentifier) => ({ itemIdentifier }))] };
}

/** A new invocation's scope, entered over `previous` (middy). */
function newScope(previous?: LineageScope): LineageScope {
  return { records: new WeakMap(), invocation: { closed: false }, previous };
}

/** A Lambda handler: async, or callback-style (`(event, context, callback)`). */
type LambdaHandler<TEvent, TContext, TResult> = (event: TEvent, context: TContext, callback: (error?: unknown, result?: TResult) => void) => void | TResult | Promise<TResult>;

/** Call `handler` as the Lambda runtime does: its promise, or its callback when it takes one. */
function invoke<TEvent, TContext, TResult>(handler: LambdaHandler<TEvent, TContext, TResult>, event: TEvent, context: TContext): Promise<TResult> {
  return new Promise<TResult>((resolve, reject) => {
    const callback = (error?: unknown, result?: TResult) => (error ? reject(error) : resolve(result as TResult));
    try {
      const returned = handler(event, context, callback);
      if (returned !== undefined && typeof (returned as Promise<TResult>).then === 'function') (returned as Promise<TResult>).then(resolve, reject);
      else if (handler.length < 3) resolve(returned as TResult);
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Wrap a Lambda handler: the guard runs before it, and it runs with the chains in
 * AsyncLocalStorage. Records the guard fails are taken out of the event and added to the
 * handler's `batchItemFailures`. Accepts aws-lambda's handler types (`SQSHandler`, ...).
 */
export function withLoopGuard<TEvent, TResult, TContext extends LambdaContextLike = LambdaContextLike>(
  handler: LambdaHandler<TEvent, TContext, TResult>,
  options: LambdaGuardOptions<RecordOf<TEvent>> = {},
): (event: TEvent, context: TContext) => Promise<TResult> {
  const guardEvent = createGuard(options);
  return async (event, context) => {
    const scope = newScope();
    try {
      const guarded = await guardEvent(event, context, scope);
      if (guarded.nothingLeft && guarded.failed.length > 0) return withFailures(undefined, guarded.failed);
      const response = await lineageStorage.run(scope, () => invoke(handler, guarded.event as TEvent, context));
      return withFailures(response, guarded.failed);
    } finally {
      scope.invocation.closed = true;
    }
  };
}

/** An event of records: `Records[]`, or Kafka's `records` by topic-partition. */
export type BatchEvent<TRecord> = { Records: readonly TRecord[] } | { records: Record<string, readonly TRecord[]> };

/** The partial-batch response of a record handler: Kafka records are named `{ partition, offset }`, others by a string. */
export interface BatchResponse<TRecord = unknown> {
  batchItemFailures: Array<{ itemIdentifier: TRecord extends { topic: string; partition: number; offset: number } ? KafkaItemIdentifier : string }>;
}

/**
 * Wrap a handler of ONE record: each record's work runs in that record's own chain (the SDK
 * plugin forwards that record's count, never a neighbour's), and its failure (a throw) fails
 * that record alone, in `batchItemFailures`. On a FIFO queue the first failure also fails the
 * records after it (of the batch, or of its group with `fifo: 'group'`), which are not run.
 * Sources without partial-batch responses (SNS, S3, ...) throw the first failure after the
 * records before it ran.
 */
export function withRecordGuard<TRecord, TContext extends LambdaContextLike = LambdaContextLike>(
  recordHandler: (record: TRecord, context: TContext) => unknown,
  options: LambdaGuardOptions<TRecord> = {},
): (event: BatchEvent<TRecord>, context: TContext) => Promise<BatchResponse<TRecord>> {
  const guardEvent = createGuard(options);
  return async (event, context) => {
    const scope = newScope();
    try {
      const guarded = await guardEvent(event, context, scope);
      const { shape, records } = guarded;
      const fate = new Array<FailReason | undefined>(records.length);
      for (let i = 0; i < records.length; i++) {
        if (fate[i] !== undefined) continue;
        const record = records[i] as TRecord;
        const chain = scope.records.get(record as object) ?? scope.chain;
        try {
          await lineageStorage.run({ chain, records: scope.records, invocation: scope.invocation }, () => recordHandler(record, context));
        } catch (error) {
          if (shape.itemIdentifier === undefined) throw error;
          fate[i] = 'handler_error';
          if (shape.fifo) failAfterFirst(fate, records, options.fifo === 'group' ? shape.groupOf : undefined);
        }
      }
      const failed = records.flatMap((record, i) => (fate[i] === undefined ? [] : [shape.itemIdentifier!(record)]));
      return { batchItemFailures: [...failed, ...guarded.failed].map((itemIdentifier) => ({ itemIdentifier })) } as BatchResponse<TRecord>;
    } finally {
      scope.invocation.closed = true;
    }
  };
}

/**
 * A record handler for `@aws-lambda-powertools/batch` (`processPartialResponse`, including the
 * FIFO processors) that runs each record in that record's chain:
 * `withLoopGuard((event, context) => processPartialResponse(event, inRecordChain(handleRecord), processor, { context }))`.
 */
export function inRecordChain<TRecord extends object, TArgs extends unknown[], TResult>(
  recordHandler: (record: TRecord, ...args: TArgs) => TResult,
): (record: TRecord, ...args: TArgs) => TResult {
  return (record, ...args) => {
    const scope = activeScope();
    const chain = scope?.records.get(record);
    if (scope === undefined || chain === undefined) return recordHandler(record, ...args);
    return lineageStorage.run({ chain, records: scope.records, invocation: scope.invocation, previous: scope.previous }, () => recordHandler(record, ...args));
  };
}

/** The middy request, as far as the middleware uses it. */
interface MiddyRequest {
  event: any;
  context: any;
  response: any;
}

/**
 * The guard as a middy middleware. Use it FIRST: middy has no hook around the handler, so it
 * enters the chain's AsyncLocalStorage scope (`enterWith`) synchronously at the start of
 * `before`, which is the context middy calls the handler from only when no middleware before
 * it awaited. It checks that in `after`: a handler that ran without the invocation's chain is a
 * clear error, never a silent undercount. The scope is closed when the invocation ends, so
 * nothing after it (the caller, a later timer) sees the chain.
 */
export function loopGuardMiddleware<TEvent = unknown>(options: LambdaGuardOptions<RecordOf<TEvent>> = {}) {
  const guardEvent = createGuard(options);
  const byRequest = new WeakMap<MiddyRequest, { scope: LineageScope; failed: ItemIdentifier[] }>();
  const close = (request: MiddyRequest) => {
    const entry = byRequest.get(request);
    if (entry !== undefined) entry.scope.invocation.closed = true;
  };
  return {
    before(request: MiddyRequest): Promise<unknown> {
      const scope = newScope(lineageStorage.getStore());
      lineageStorage.enterWith(scope);
      byRequest.set(request, { scope, failed: [] });
      return guardEvent(request.event, request.context, scope).then(
        (guarded) => {
          request.event = guarded.event;
          byRequest.set(request, { scope, failed: guarded.failed });
          if (!(guarded.nothingLeft && guarded.failed.length > 0)) return undefined;
          // A defined return value is middy's early response: the handler does not run.
          close(request);
          return withFailures(undefined, guarded.failed);
        },
        (error) => {
          close(request);
          throw error;
        },
      );
    },
    after(request: MiddyRequest): void {
      const entry = byRequest.get(request);
      close(request);
      if (entry === undefined) return;
      if (lineageStorage.getStore() !== entry.scope) {
        throw new Error(
          'trace-lineage: loopGuardMiddleware must be the first middleware: a middleware before it awaited, so the handler ran without this invocation’s chain (its SDK calls did not carry the loop count). Move it first, or use middy(withLoopGuard(handler)).',
        );
      }
      request.response = withFailures(request.response, entry.failed);
    },
    onError(request: MiddyRequest): void {
      close(request);
    },
  };
}
