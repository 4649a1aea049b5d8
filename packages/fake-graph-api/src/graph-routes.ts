import { type Context, Hono } from 'hono';
import type { BusinessRecord, PhoneNumberRecord } from './accounts/accounts';
import { listPhoneNumbers, listTemplates, phoneNumberNode } from './accounts/routes';
import { unsupportedRequestError } from './errors/graph-error';
import { injectedErrorResponse } from './errors/injections';
import { authenticate, type GraphEnv, graphError, tokenReaches } from './graph-http';
import { MEDIA_DOWNLOAD_PATH } from './media/library';
import { deleteMediaNode, downloadMedia, mediaNode, uploadMedia } from './media/routes';
import { sendMessage } from './messages/routes';
import type { MetaPlatform } from './platform';
import type { GraphOperation } from './recording/request-log';

/** Any `vNN.N`, as Graph accepts every version in the path. */
const VERSION = '/:version{v[0-9]+\\.[0-9]+}';

/** Answers an injected error for the operation, if a test asked for one. */
function injectedError(
  c: Context<GraphEnv>,
  platform: MetaPlatform,
  operation: Exclude<GraphOperation, 'download_media' | 'send_message' | 'mark_read'>,
  phoneNumberId: string | undefined,
): Response | undefined {
  c.set('operation', operation);
  const injected = platform.injections.take({ operation, phoneNumberId });
  return injected === undefined ? undefined : graphError(c, injectedErrorResponse(injected));
}

/** The token's phone number named in a POST path, or the error Graph answers. */
function authorizedPhoneNumber(c: Context<GraphEnv>, platform: MetaPlatform): PhoneNumberRecord | Response {
  const auth = authenticate(c, platform.accounts, Date.now());
  if ('error' in auth) return graphError(c, auth.error);
  const phoneNumberId = c.req.param('phoneNumberId') ?? '';
  const phoneNumber = platform.accounts.phoneNumbers.get(phoneNumberId);
  if (phoneNumber === undefined || !tokenReaches(auth.token, phoneNumber.wabaId)) {
    return graphError(c, unsupportedRequestError('post', phoneNumberId));
  }
  return phoneNumber;
}

/** The token's business named in the path, or the error Graph answers. */
function authorizedBusiness(c: Context<GraphEnv>, platform: MetaPlatform): BusinessRecord | Response {
  const auth = authenticate(c, platform.accounts, Date.now());
  if ('error' in auth) return graphError(c, auth.error);
  const wabaId = c.req.param('wabaId') ?? '';
  const business = platform.accounts.businesses.get(wabaId);
  if (business === undefined || !tokenReaches(auth.token, wabaId)) {
    return graphError(c, unsupportedRequestError('get', wabaId));
  }
  return business;
}

/**
 * The Graph API surface of the fake: messages, media, phone numbers and templates under any
 * `/{version}`, plus the media download URLs.
 *
 * @example
 * app.route('/', graphRoutes(platform));
 */
export function graphRoutes(platform: MetaPlatform): Hono<GraphEnv> {
  const graph = new Hono<GraphEnv>();

  graph.post(`${VERSION}/:phoneNumberId/messages`, async (c) => {
    c.set('operation', 'send_message');
    const phoneNumber = authorizedPhoneNumber(c, platform);
    return phoneNumber instanceof Response ? phoneNumber : sendMessage(c, platform, phoneNumber);
  });

  graph.post(`${VERSION}/:phoneNumberId/media`, async (c) => {
    c.set('operation', 'upload_media');
    const phoneNumber = authorizedPhoneNumber(c, platform);
    if (phoneNumber instanceof Response) return phoneNumber;
    return (
      injectedError(c, platform, 'upload_media', phoneNumber.phoneNumberId) ??
      uploadMedia(c, platform, phoneNumber)
    );
  });

  graph.get(`${VERSION}/:wabaId/phone_numbers`, (c) => {
    c.set('operation', 'list_phone_numbers');
    const business = authorizedBusiness(c, platform);
    if (business instanceof Response) return business;
    return (
      injectedError(c, platform, 'list_phone_numbers', undefined) ??
      listPhoneNumbers(c, platform.accounts, business)
    );
  });

  graph.get(`${VERSION}/:wabaId/message_templates`, (c) => {
    c.set('operation', 'list_templates');
    const business = authorizedBusiness(c, platform);
    if (business instanceof Response) return business;
    return injectedError(c, platform, 'list_templates', undefined) ?? listTemplates(c, business);
  });

  graph.get(`${VERSION}/:objectId`, (c) => {
    const auth = authenticate(c, platform.accounts, Date.now());
    if ('error' in auth) return graphError(c, auth.error);
    const objectId = c.req.param('objectId');
    const phoneNumber = platform.accounts.phoneNumbers.get(objectId);
    if (phoneNumber !== undefined && tokenReaches(auth.token, phoneNumber.wabaId)) {
      return (
        injectedError(c, platform, 'get_phone_number', phoneNumber.phoneNumberId) ??
        phoneNumberNode(c, phoneNumber)
      );
    }
    const media = platform.media.get(objectId);
    if (media !== undefined && tokenReaches(auth.token, media.wabaId)) {
      return injectedError(c, platform, 'get_media', media.phoneNumberId) ?? mediaNode(c, platform, media);
    }
    return graphError(c, unsupportedRequestError('get', objectId));
  });

  graph.delete(`${VERSION}/:objectId`, (c) => {
    const auth = authenticate(c, platform.accounts, Date.now());
    if ('error' in auth) return graphError(c, auth.error);
    const objectId = c.req.param('objectId');
    const media = platform.media.get(objectId);
    if (media === undefined || !tokenReaches(auth.token, media.wabaId)) {
      return graphError(c, unsupportedRequestError('delete', objectId));
    }
    return (
      injectedError(c, platform, 'delete_media', media.phoneNumberId) ?? deleteMediaNode(c, platform, media)
    );
  });

  graph.get(MEDIA_DOWNLOAD_PATH, (c) => downloadMedia(c, platform));

  return graph;
}
