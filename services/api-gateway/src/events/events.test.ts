import { createEvent } from '@wagate/contracts';
import { describe, expect, test } from '@wagate/testing';
import { gatewayUnderTest } from '../testing/gateway-under-test';

interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** Reads SSE frames from a response body until `count` frames with an `id` arrived. */
async function readFrames(response: Response, count: number): Promise<SseFrame[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const frames: SseFrame[] = [];
  let buffered = '';
  try {
    while (frames.filter((frame) => frame.id).length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const frame: SseFrame = { data: '' };
        for (const line of block.split('\n')) {
          const colon = line.indexOf(':');
          if (colon <= 0) continue;
          const field = line.slice(0, colon);
          const content = line.slice(colon + 1).trimStart();
          if (field === 'id') frame.id = content;
          else if (field === 'event') frame.event = content;
          else if (field === 'data') frame.data += content;
        }
        if (frame.data) frames.push(frame);
        end = buffered.indexOf('\n\n');
      }
    }
  } finally {
    await reader.cancel();
  }
  return frames;
}

describe('live event stream (SSE)', () => {
  test('streams a session’s events from WA_EVENTS and resumes after Last-Event-ID', async ({
    nats,
    database,
  }) => {
    await nats.provision();
    const gateway = await gatewayUnderTest(nats, database);
    try {
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'demo' } });
      await gateway.call('POST', '/api/v1/sessions', { body: { id: 'other' } });
      const publish = (account: string, status: 'connecting' | 'waiting_for_qr' | 'logged_in') =>
        gateway.bus.publishEvent(createEvent('session.status', account, { status }, { source: 'test' }));
      const auth = { authorization: `Bearer ${gateway.adminKey}` };

      const live = await gateway.app.request('/api/v1/sessions/demo/events', { headers: auth });
      expect(live.status).toBe(200);
      expect(live.headers.get('content-type')).toContain('text/event-stream');
      // The stream starts with the events published after its answer.
      const reading = readFrames(live, 2);
      await publish('other', 'connecting');
      await publish('demo', 'connecting');
      await publish('demo', 'waiting_for_qr');
      const frames = (await reading).filter((frame) => frame.id);
      expect(frames.map((frame) => frame.event)).toEqual(['session.status', 'session.status']);
      expect(frames.map((frame) => JSON.parse(frame.data).data.status)).toEqual([
        'connecting',
        'waiting_for_qr',
      ]);
      expect(JSON.parse(frames[0]!.data)).toMatchObject({
        specversion: '1.0',
        subject: 'demo',
        type: 'session.status',
      });

      await publish('demo', 'logged_in');
      const resumed = await gateway.app.request('/api/v1/sessions/demo/events', {
        headers: { ...auth, 'Last-Event-ID': frames[0]!.id! },
      });
      const replayed = (await readFrames(resumed, 2)).filter((frame) => frame.id);
      expect(replayed.map((frame) => JSON.parse(frame.data).data.status)).toEqual([
        'waiting_for_qr',
        'logged_in',
      ]);

      const filtered = await gateway.app.request(
        `/api/v1/sessions/demo/events?types=message.*&last_event_id=${frames[0]!.id}`,
        { headers: auth },
      );
      const reading2 = readFrames(filtered, 1);
      await gateway.bus.publishEvent(
        createEvent(
          'message.received',
          'demo',
          {
            id: 'M1',
            chatId: '628123456789@s.whatsapp.net',
            chatType: 'contact',
            sender: '628123456789@s.whatsapp.net',
            fromMe: false,
            timestamp: 1_767_000_000,
            content: { type: 'text', text: 'hi' },
            mentions: [],
          },
          { source: 'test' },
        ),
      );
      const messages = (await reading2).filter((frame) => frame.id);
      expect(messages.map((frame) => frame.event)).toEqual(['message.received']);

      expect((await gateway.call('GET', '/api/v1/sessions/ghost/events')).status).toBe(404);
      expect(
        (await gateway.call('GET', '/api/v1/sessions/demo/events', { headers: { 'last-event-id': 'abc' } }))
          .status,
      ).toBe(400);
    } finally {
      gateway.close();
    }
  });
});
