import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { newId, partitionOf } from '@wagate/contracts';
import { createLogger } from '@wagate/observability';
import { describe, expect, test, waitFor } from '@wagate/test-servers';
import { afterAll, beforeAll } from 'vitest';
import { Bus } from './bus';
import { provision, provisioningPlan } from './provisioning';

const exporter = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => provider.register());
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
});

describe('trace context across NATS', () => {
  test('a command published inside a span is handled in a child span of the same trace', async ({
    natsNamespace,
  }) => {
    const log = createLogger({ service: 'bus-test', level: 'silent', format: 'json' });
    const bus = await Bus.connect({
      url: natsNamespace.url,
      name: 'trace-test',
      topology: natsNamespace.topology,
      log,
    });
    try {
      await provision(bus.nc, bus.jsm, provisioningPlan(natsNamespace.topology), log);
      const partition = partitionOf('traced', natsNamespace.topology.partitions);
      const handledIn: string[] = [];
      const loop = bus.consume({
        stream: natsNamespace.topology.streams.commands,
        consumer: natsNamespace.topology.partitionCommandConsumer(partition),
        handle: async () => {
          handledIn.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
        },
      });
      const tracer = trace.getTracer('test');
      const traceId = await tracer.startActiveSpan('POST /api/v1/sessions/traced/messages', async (span) => {
        const ack = await bus.publishCommand({
          id: newId(),
          accountId: 'traced',
          op: 'message.send',
          createdAt: new Date().toISOString(),
          payload: {},
        });
        expect(ack.duplicate).toBe(false);
        span.end();
        return span.spanContext().traceId;
      });
      await waitFor(() => handledIn.length === 1, { message: 'the command to be handled' });
      expect(handledIn[0]).toBe(traceId);
      const handling = exporter.getFinishedSpans().find((span) => span.name.startsWith('handle cmd-p'));
      expect(handling?.spanContext().traceId).toBe(traceId);
      await loop.stop();
    } finally {
      await bus.close();
    }
  });
});
