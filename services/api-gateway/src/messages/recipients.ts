import { Jid } from '@wagate/contracts';
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { ApiError } from '../http/errors';

const BARE_NUMBER = /^\d{7,15}$/;

/**
 * Turns a recipient as clients write it into a JID, as seed 002 says: with `@` it is a JID
 * (checked); a number with a `country` (ISO 3166 code such as `ID`) or written with `+` and its
 * country code is validated with libphonenumber's full metadata; otherwise 7–15 bare digits get
 * `@s.whatsapp.net`. Anything else is a 400 that says which rule failed.
 *
 * @example
 * recipientJid('+62 812-3456-789'); // '628123456789@s.whatsapp.net'
 * recipientJid('08123456789', 'ID'); // '628123456789@s.whatsapp.net'
 * recipientJid('120363025246125486@g.us'); // '120363025246125486@g.us'
 */
export function recipientJid(recipient: string, country?: string, field = 'to'): string {
  const value = recipient.trim();
  if (value.includes('@')) {
    if (!Jid.safeParse(value).success) {
      throw invalid(field, `"${value}" is not a WhatsApp JID (like 15551234567@s.whatsapp.net or …@g.us)`);
    }
    return value;
  }
  if (country !== undefined || value.startsWith('+')) {
    const region = country?.trim().toUpperCase();
    if (region !== undefined && !isSupportedCountry(region)) {
      throw invalid('country', `"${country}" is not an ISO 3166-1 alpha-2 country code`);
    }
    const parsed = parsePhoneNumberFromString(value, region as CountryCode | undefined);
    if (!parsed?.isValid()) {
      throw invalid(field, `"${value}" is not a valid phone number${region ? ` in ${region}` : ''}`);
    }
    return `${parsed.number.slice(1)}@s.whatsapp.net`;
  }
  const digits = value.replace(/[\s()-]/g, '');
  if (!BARE_NUMBER.test(digits)) {
    throw invalid(
      field,
      `"${value}" is neither a JID (with "@"), a number with its country code, nor 7-15 digits`,
    );
  }
  return `${digits}@s.whatsapp.net`;
}

function invalid(path: string, message: string): ApiError {
  return new ApiError('invalid_request', 'the recipient is invalid', [{ path, message }]);
}
