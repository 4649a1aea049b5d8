/**
 * Names other gateways' users subscribe with (seed 004's `message`, `connected`), and what they
 * mean here.
 */
const EVENT_ALIASES: Record<string, string[]> = {
  message: ['message.received'],
  connected: ['session.status'],
  disconnected: ['session.status'],
  qr: ['session.qr'],
  ack: ['message.ack'],
};

/**
 * Whether a subscription's event list selects an event type: empty or `*` selects all; an entry
 * selects its exact type, `prefix.*` every type under the prefix, and an alias what it stands for.
 *
 * @example
 * selectsEvent(['message.*'], 'message.received'); // true
 */
export function selectsEvent(selected: readonly string[], type: string): boolean {
  if (selected.length === 0) return true;
  return selected.some((entry) => {
    if (entry === '*' || entry === type) return true;
    if (entry.endsWith('.*')) return type.startsWith(entry.slice(0, -1));
    return EVENT_ALIASES[entry]?.includes(type) ?? false;
  });
}
