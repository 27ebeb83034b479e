/**
 * An OpenTelemetry `TextMapPropagator` for `X-Amzn-Trace-Id` that keeps what the official AWS
 * X-Ray propagator drops. The span context (Root, Parent, Sampled) is extracted and injected by
 * `AWSXRayPropagator` itself; the extracted header is kept in the context, and on inject, when
 * the span is of the same trace, the outgoing header is that header with Root, Parent and
 * Sampled set to the span's: AWS's `Lineage`, our loop field and every unknown field go on, byte
 * for byte. Dropping `Lineage` is what silently switches AWS's loop detector off.
 */
import { createContextKey, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { AWSXRayPropagator, AWSXRAY_TRACE_ID_HEADER } from '@opentelemetry/propagator-aws-xray';
import { TraceHeaderError, parse, setField, type Options } from '../index.js';

const EXTRACTED_HEADER = createContextKey('trace-lineage extracted X-Amzn-Trace-Id');

export class LineageXRayPropagator implements TextMapPropagator {
  readonly #xray = new AWSXRayPropagator();
  readonly #options: Options;

  /** `options`: the parse limits (`maxLength`, `maxFields`, `loopKey`) and `backend`. */
  constructor(options: Options = {}) {
    this.#options = options;
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.#xray.extract(context, carrier, getter);
    if (extracted === context) return context; // no valid X-Ray span context
    const name = getter.keys(carrier).find((key) => key.toLowerCase() === AWSXRAY_TRACE_ID_HEADER);
    const value = name === undefined ? undefined : getter.get(carrier, name);
    const traceHeader = Array.isArray(value) ? value[0] : value;
    return traceHeader === undefined ? extracted : extracted.setValue(EXTRACTED_HEADER, traceHeader);
  }

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    let spanHeader: string | undefined;
    this.#xray.inject(context, carrier, { set: (_carrier, _key, value) => void (spanHeader = value) });
    if (spanHeader === undefined) return;
    const extracted = context.getValue(EXTRACTED_HEADER) as string | undefined;
    setter.set(carrier, AWSXRAY_TRACE_ID_HEADER, extracted === undefined ? spanHeader : this.#merge(extracted, spanHeader));
  }

  fields(): string[] {
    return this.#xray.fields();
  }

  /** The extracted header with the span's Root, Parent and Sampled; the span's header alone for another trace. */
  #merge(extracted: string, spanHeader: string): string {
    const span = parse(spanHeader, this.#options);
    try {
      if (parse(extracted, this.#options).root?.value.toLowerCase() !== span.root!.value) return spanHeader;
      let merged = extracted;
      for (const [key, value] of span.fields) merged = setField(merged, key, value!, this.#options);
      return merged;
    } catch (error) {
      // A propagator must not throw: a header we cannot take apart goes on as X-Ray would send it.
      if (error instanceof TraceHeaderError) return spanHeader;
      throw error;
    }
  }
}
