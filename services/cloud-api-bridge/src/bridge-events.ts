import type { Bus } from '@wagate/bus';
import { createEvent, type EventData, type EventType } from '@wagate/contracts';

/** `source` of every event the bridge publishes. */
export const BRIDGE_EVENT_SOURCE = 'wagate/cloud-api-bridge';

/**
 * Publishes normalized events to `WA_EVENTS`. Events that stand for something Meta reported carry a
 * deterministic `Nats-Msg-Id` (built from Meta's message or status id), so when Meta (or a
 * redelivery) repeats it, JetStream stores the event once.
 *
 * @example
 * await events.publish('message.ack', 'support', ack, `${wamid}:read`);
 */
export class BridgeEvents {
  constructor(private readonly bus: Bus) {}

  async publish<T extends EventType>(
    type: T,
    accountId: string,
    data: EventData<T>,
    dedupeKey?: string,
  ): Promise<void> {
    const event = createEvent(type, accountId, data, { source: BRIDGE_EVENT_SOURCE });
    await this.bus.publishEvent(event, { msgId: dedupeKey ? `${type}:${accountId}:${dedupeKey}` : event.id });
  }
}
