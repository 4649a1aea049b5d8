import {
  type Context,
  context,
  propagation,
  type Span,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';

export type { Context, Span, Tracer } from '@opentelemetry/api';

export interface TracingOptions {
  serviceName: string;
  /** The environment, read for the standard `OTEL_*` variables. */
  env?: NodeJS.ProcessEnv;
}

/** Stops the SDK and flushes spans; a no-op when tracing was not configured. */
export type StopTracing = () => Promise<void>;

/**
 * Starts the OpenTelemetry SDK when an exporter is configured (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, and `OTEL_TRACES_EXPORTER` not `none`); otherwise the API
 * stays a no-op and costs nothing. The SDK is imported only when needed.
 *
 * @example
 * const stopTracing = await initTracing({ serviceName: 'api-gateway' });
 * // … on shutdown:
 * await stopTracing();
 */
export async function initTracing(options: TracingOptions): Promise<StopTracing> {
  const env = options.env ?? process.env;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint || env.OTEL_TRACES_EXPORTER === 'none' || env.OTEL_SDK_DISABLED === 'true') {
    return async () => {};
  }
  const [{ NodeSDK }, { OTLPTraceExporter }] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME ?? options.serviceName,
    traceExporter: new OTLPTraceExporter(),
  });
  sdk.start();
  return () => sdk.shutdown();
}

/**
 * The tracer of one component.
 *
 * @example
 * const span = tracerFor('bus').startSpan('publish wa.evt');
 */
export function tracerFor(component: string): Tracer {
  return trace.getTracer(`wagate/${component}`);
}

/**
 * Runs `work` inside a new active span, recording an exception and error status when it throws.
 *
 * @example
 * await inSpan(tracerFor('bus'), 'handle command', {}, async (span) => handle());
 */
export async function inSpan<T>(
  tracer: Tracer,
  name: string,
  options: { parent?: Context; attributes?: Record<string, string | number | boolean> },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    { attributes: options.attributes },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await work(span);
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Writes the active trace context (W3C `traceparent`/`tracestate`) into any header carrier.
 *
 * @example
 * injectTraceContext(headers, (carrier, key, value) => carrier.set(key, value));
 */
export function injectTraceContext<C>(
  carrier: C,
  set: (carrier: C, key: string, value: string) => void,
): void {
  const setter: TextMapSetter<C> = { set };
  propagation.inject(context.active(), carrier, setter);
}

/**
 * Reads a trace context from any header carrier; returns the context to use as a span parent.
 *
 * @example
 * const parent = extractTraceContext(msg.headers, (carrier, key) => carrier?.get(key));
 */
export function extractTraceContext<C>(
  carrier: C,
  get: (carrier: C, key: string) => string | undefined,
): Context {
  const getter: TextMapGetter<C> = {
    get: (c, key) => get(c, key) || undefined,
    keys: () => ['traceparent', 'tracestate'],
  };
  return propagation.extract(context.active(), carrier, getter);
}
