/**
 * An OpenTelemetry `TextMapPropagator` for `X-Amzn-Trace-Id` that keeps what the official AWS
 * X-Ray propagator drops. Dropping `Lineage` is what silently switches AWS's loop detector off.
 *
 * extract: the span context is `AWSXRayPropagator`'s (its ids lower-cased: it passes upper-case
 * hex on); where it extracts none from a header whose `Root` and `Parent` are valid (it rejects
 * `Sampled=?` and a missing `Sampled`), ours reads them itself (sampled only for `Sampled=1`).
 * Whatever the span context, the header itself is kept in the context.
 *
 * inject: the outgoing header is the kept header with `Parent` and `Sampled` set to the span's
 * (`Root` and every other field byte for byte), when the span is of the header's trace, or when
 * the header had no span context to give (no `Parent`, as on a chain the guard started): the span
 * then began a trace of its own, and the chain keeps the header's `Root`. A `Sampled` of `?` or
 * none stays so unless the span is sampled. A span of another trace gets X-Ray's plain header; a
 * kept header and no span: the header goes on unchanged.
 */
import { TraceFlags, createContextKey, trace, type Context, type SpanContext, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { AWSXRayPropagator, AWSXRAY_TRACE_ID_HEADER } from '@opentelemetry/propagator-aws-xray';
import { TraceHeaderError, parse, setField, type Options, type ParsedTraceHeader } from '../index.js';

/** The incoming header, and whether a span context came from it. */
interface KeptHeader {
  traceHeader: string;
  hasSpanContext: boolean;
}

const KEPT_HEADER = createContextKey('trace-lineage extracted X-Amzn-Trace-Id');

/** `Root=1-5759e988-bd862e3f…` → OpenTelemetry's 32 lower-case hex digits. */
const traceIdOf = (root: string): string => (root.slice(2, 10) + root.slice(11)).toLowerCase();

export class LineageXRayPropagator implements TextMapPropagator {
  readonly #xray = new AWSXRayPropagator();
  readonly #options: Options;

  /** `options`: the parse limits (`maxLength`, `maxFields`, `loopKey`) and `backend`. */
  constructor(options: Options = {}) {
    this.#options = options;
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const name = getter.keys(carrier).find((key) => key.toLowerCase() === AWSXRAY_TRACE_ID_HEADER);
    const value = name === undefined ? undefined : getter.get(carrier, name);
    const traceHeader = Array.isArray(value) ? value[0] : value;
    const extracted = this.#xray.extract(context, carrier, getter);
    if (typeof traceHeader !== 'string' || traceHeader === '') return extracted;
    const parsed = this.#parse(traceHeader);
    if (parsed === undefined || !parsed.root?.valid) return extracted; // nothing of a chain to keep
    let withSpan = extracted;
    const official = extracted === context ? undefined : trace.getSpanContext(extracted);
    if (official !== undefined && (official.traceId !== official.traceId.toLowerCase() || official.spanId !== official.spanId.toLowerCase())) {
      // X-Ray's propagator passes upper-case hex on; OpenTelemetry ids are lower-case.
      withSpan = trace.setSpanContext(context, { ...official, traceId: official.traceId.toLowerCase(), spanId: official.spanId.toLowerCase() });
    } else if (official === undefined && parsed.parent?.valid) {
      const spanContext: SpanContext = {
        traceId: traceIdOf(parsed.root.value),
        spanId: parsed.parent.value.toLowerCase(),
        traceFlags: parsed.sampled?.value === '1' ? TraceFlags.SAMPLED : TraceFlags.NONE,
        isRemote: true,
      };
      withSpan = trace.setSpanContext(context, spanContext);
    }
    const kept: KeptHeader = { traceHeader, hasSpanContext: withSpan !== context };
    return withSpan.setValue(KEPT_HEADER, kept);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    let spanHeader: string | undefined;
    this.#xray.inject(context, carrier, { set: (_carrier, _key, value) => void (spanHeader = value) });
    const kept = context.getValue(KEPT_HEADER) as KeptHeader | undefined;
    if (kept === undefined) {
      if (spanHeader !== undefined) setter.set(carrier, AWSXRAY_TRACE_ID_HEADER, spanHeader);
      return;
    }
    let outgoing = kept.traceHeader;
    if (spanHeader !== undefined) {
      try {
        outgoing = this.#merge(kept, spanHeader);
      } catch (error) {
        if (!(error instanceof TraceHeaderError)) throw error;
        outgoing = spanHeader; // the merged header would be over the limits: X-Ray's plain one
      }
    }
    setter.set(carrier, AWSXRAY_TRACE_ID_HEADER, outgoing);
  }

  fields(): string[] {
    return this.#xray.fields();
  }

  #parse(traceHeader: string): ParsedTraceHeader | undefined {
    try {
      return parse(traceHeader, this.#options);
    } catch (error) {
      // A propagator must not throw: a header we cannot take apart is X-Ray's business alone.
      if (error instanceof TraceHeaderError) return undefined;
      throw error;
    }
  }

  /** The kept header with the span's Parent and Sampled; the span's header alone for another trace. */
  #merge(kept: KeptHeader, spanHeader: string): string {
    const incoming = this.#parse(kept.traceHeader)!;
    const span = parse(spanHeader, this.#options);
    const sameTrace = traceIdOf(incoming.root!.value) === traceIdOf(span.root!.value);
    if (!sameTrace && kept.hasSpanContext) return spanHeader;
    let merged = setField(kept.traceHeader, 'Parent', span.parent!.value, this.#options);
    const sampledBySpan = span.sampled!.value === '1';
    const decided = incoming.sampled?.value === '0' || incoming.sampled?.value === '1';
    if (sampledBySpan || decided) merged = setField(merged, 'Sampled', span.sampled!.value, this.#options);
    return merged;
  }
}
