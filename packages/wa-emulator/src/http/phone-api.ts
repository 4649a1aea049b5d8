import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AnyMessageContent, WAMessageKey } from '@whiskeysockets/baileys';
import type { WaEmulator } from '../emulator';
import type { ChatState, ParticipantAction } from '../phone/emulated-phone';

/** A request the API rejects, with its HTTP status. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;
type Route = (emulator: WaEmulator, params: string[], body: Body) => Promise<unknown> | unknown;

const MEDIA_FIELDS = ['image', 'video', 'audio', 'document', 'sticker'] as const;

const requireString = (body: Body, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string' || !value) {
    throw new ApiError(400, `"${field}" must be a non-empty string`);
  }
  return value;
};

/** JSON has no bytes: media may be given as `{ "base64": "…" }` (or `{ "url": "…" }`). */
const decodeContent = (content: unknown): AnyMessageContent => {
  if (!content || typeof content !== 'object') {
    throw new ApiError(400, '"content" must be a Baileys message content object');
  }
  const decoded: Record<string, unknown> = { ...(content as Body) };
  for (const field of MEDIA_FIELDS) {
    const media = decoded[field] as { base64?: unknown } | undefined;
    if (media && typeof media === 'object' && typeof media.base64 === 'string') {
      decoded[field] = Buffer.from(media.base64, 'base64');
    }
  }
  return decoded as AnyMessageContent;
};

/** Bytes do not survive JSON.stringify usefully; show them as base64. */
const toJson = (value: unknown): string =>
  JSON.stringify(value, (_key, item: unknown) => {
    if (item && typeof item === 'object' && (item as { type?: unknown }).type === 'Buffer') {
      return Buffer.from((item as { data: number[] }).data).toString('base64');
    }
    if (item instanceof Uint8Array) {
      return Buffer.from(item).toString('base64');
    }
    return typeof item === 'bigint' ? item.toString() : item;
  });

const phoneSummary = (emulator: WaEmulator, number: string) => {
  const phone = emulator.phone(number);
  return {
    number: phone.number,
    jid: phone.jid,
    pushName: phone.pushName,
    online: phone.isOnline,
    linkedDevices: phone.linkedDevices().map((jid) => ({ jid, connected: emulator.isConnected(jid) })),
  };
};

/** Routes by method and path pattern; `:x` segments become params. */
const ROUTES: [string, RegExp, Route][] = [
  ['GET', /^\/stats$/, (emulator) => emulator.stats()],
  ['GET', /^\/phones$/, (emulator) => emulator.phones().map((phone) => phoneSummary(emulator, phone.number))],
  [
    'POST',
    /^\/phones$/,
    (emulator, _params, body) => {
      const phone = emulator.createPhone({
        number: requireString(body, 'number'),
        ...(typeof body.pushName === 'string' ? { pushName: body.pushName } : {}),
      });
      return phoneSummary(emulator, phone.number);
    },
  ],
  ['GET', /^\/phones\/([^/]+)$/, (emulator, [number]) => phoneSummary(emulator, number!)],
  [
    'POST',
    /^\/phones\/([^/]+)\/scan$/,
    async (emulator, [number], body) => ({
      deviceJid: await emulator.phone(number!).scanQr(requireString(body, 'qr')),
    }),
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/pairing-code$/,
    async (emulator, [number], body) => ({
      deviceJid: await emulator.phone(number!).enterPairingCode(requireString(body, 'code')),
    }),
  ],
  [
    'DELETE',
    /^\/phones\/([^/]+)\/devices\/([^/]+)$/,
    (emulator, [number, deviceJid]) => {
      emulator.phone(number!).unlinkDevice(decodeURIComponent(deviceJid!));
      return { unlinked: decodeURIComponent(deviceJid!) };
    },
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/messages$/,
    async (emulator, [number], body) => {
      const sent = await emulator
        .phone(number!)
        .sendMessage(requireString(body, 'to'), decodeContent(body.content));
      return { key: sent.key, message: sent.message };
    },
  ],
  ['GET', /^\/phones\/([^/]+)\/messages$/, (emulator, [number]) => emulator.phone(number!).received()],
  [
    'POST',
    /^\/phones\/([^/]+)\/read$/,
    async (emulator, [number], body) => {
      if (!Array.isArray(body.keys)) {
        throw new ApiError(400, '"keys" must be an array of message keys');
      }
      await emulator.phone(number!).markRead(body.keys as WAMessageKey[]);
      return { read: body.keys.length };
    },
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/presence$/,
    async (emulator, [number], body) => {
      await emulator.phone(number!).setOnline(body.online === true);
      return phoneSummary(emulator, number!);
    },
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/chatstate$/,
    async (emulator, [number], body) => {
      await emulator
        .phone(number!)
        .sendChatState(requireString(body, 'to'), requireString(body, 'state') as ChatState);
      return { sent: true };
    },
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/push-name$/,
    (emulator, [number], body) => {
      emulator.phone(number!).setPushName(requireString(body, 'pushName'));
      return phoneSummary(emulator, number!);
    },
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/groups$/,
    (emulator, [number], body) =>
      emulator
        .phone(number!)
        .createGroup(
          requireString(body, 'subject'),
          Array.isArray(body.participants) ? (body.participants as string[]) : [],
        ),
  ],
  [
    'POST',
    /^\/phones\/([^/]+)\/groups\/([^/]+)\/participants$/,
    async (emulator, [number, group], body) => {
      await emulator
        .phone(number!)
        .updateGroupParticipants(
          decodeURIComponent(group!),
          Array.isArray(body.participants) ? (body.participants as string[]) : [],
          requireString(body, 'action') as ParticipantAction,
        );
      return { updated: true };
    },
  ],
  [
    'POST',
    /^\/faults\/drop$/,
    (emulator, _params, body) => {
      emulator.dropSocket(requireString(body, 'jid'));
      return { dropped: true };
    },
  ],
  [
    'POST',
    /^\/faults\/conflict$/,
    (emulator, _params, body) => {
      emulator.replaceConnection(requireString(body, 'jid'));
      return { replaced: true };
    },
  ],
  [
    'POST',
    /^\/faults\/fail-iq$/,
    (emulator, _params, body) => {
      emulator.failNextIq(
        typeof body.jid === 'string' ? body.jid : '*',
        {
          ...(typeof body.xmlns === 'string' ? { xmlns: body.xmlns } : {}),
          ...(typeof body.type === 'string' ? { type: body.type } : {}),
        },
        typeof body.code === 'number' ? body.code : 500,
      );
      return { scheduled: true };
    },
  ],
  [
    'POST',
    /^\/faults\/delay$/,
    (emulator, _params, body) => {
      emulator.delay(
        typeof body.ms === 'number' ? body.ms : 0,
        typeof body.jid === 'string' ? body.jid : '*',
      );
      return { delayMs: body.ms };
    },
  ],
  [
    'POST',
    /^\/faults\/rate-limit$/,
    (emulator, _params, body) => {
      emulator.setRateLimit(typeof body.messagesPerSecond === 'number' ? body.messagesPerSecond : undefined);
      return { messagesPerSecond: body.messagesPerSecond ?? null };
    },
  ],
  [
    'POST',
    /^\/faults\/ban$/,
    (emulator, _params, body) => {
      emulator.ban(requireString(body, 'number'));
      return { banned: true };
    },
  ],
];

const readBody = async (request: IncomingMessage): Promise<Body> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  if (!chunks.length) {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf-8'));
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new ApiError(400, 'body must be a JSON object');
    }
    return parsed as Body;
  } catch (error) {
    throw error instanceof ApiError ? error : new ApiError(400, 'body is not valid JSON');
  }
};

/**
 * The phone and fault API over HTTP (JSON), for demos and the dashboard; see the package README.
 * Returns false when no route matches.
 */
export const handlePhoneApiRequest = (
  emulator: WaEmulator,
  request: IncomingMessage,
  response: ServerResponse,
) => {
  const path = new URL(request.url ?? '/', 'http://emulator').pathname;
  for (const [method, pattern, route] of ROUTES) {
    const match = request.method === method ? pattern.exec(path) : null;
    if (!match) {
      continue;
    }
    readBody(request)
      .then((body) => route(emulator, match.slice(1), body))
      .then((result) => {
        response.writeHead(200, { 'content-type': 'application/json' }).end(toJson(result ?? {}));
      })
      .catch((error: unknown) => {
        const status =
          error instanceof ApiError ? error.status : /unknown phone number/.test(String(error)) ? 404 : 422;
        const message = error instanceof Error ? error.message : String(error);
        response
          .writeHead(status, { 'content-type': 'application/json' })
          .end(JSON.stringify({ error: message }));
      });
    return true;
  }
  return false;
};
