import { jidDecode } from '@whiskeysockets/baileys';

export const USER_SERVER = 's.whatsapp.net';
export const SERVER_JID = 's.whatsapp.net';

/** `<number>@s.whatsapp.net`, the account's (device 0) address. */
export const userJid = (number: string): string => `${number}@${USER_SERVER}`;

/** `<number>:<device>@s.whatsapp.net`, or the bare user jid for device 0. */
export const deviceJid = (number: string, device: number): string =>
  device === 0 ? userJid(number) : `${number}:${device}@${USER_SERVER}`;

/** Splits a user or device jid into number and device; undefined for anything else. */
export const parseUserJid = (jid: string | undefined): { number: string; device: number } | undefined => {
  if (!jid) {
    return undefined;
  }
  const decoded = jidDecode(jid);
  if (!decoded || decoded.server !== USER_SERVER || !/^\d+$/.test(decoded.user)) {
    return undefined;
  }
  return { number: decoded.user, device: decoded.device ?? 0 };
};

/** Accepts `+1 555…`, `1555…` or a jid and returns the digits of the number. */
export const normalizeNumber = (input: string): string => {
  const digits = input.split('@')[0]!.split(':')[0]!.replace(/\D/g, '');
  if (!digits) {
    throw new Error(`not a phone number: ${input}`);
  }
  return digits;
};
