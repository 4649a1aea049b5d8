import { randomInt } from 'node:crypto';
import got from 'got';

/**
 * What Meta's dashboard reports after calling a callback's verification endpoint.
 *
 * @example
 * (await fake.verifyWebhook(wabaId)).verified; // true
 */
export interface WebhookVerificationResult {
  /** True when the callback answered 200 with exactly the challenge as its body. */
  verified: boolean;
  /** The URL called, with `hub.mode`, `hub.challenge` and `hub.verify_token`. */
  url: string;
  challenge: string;
  responseStatus: number | undefined;
  responseBody: string | undefined;
  error: string | undefined;
}

/**
 * Meta's subscription handshake: `GET <callback>?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<t>`,
 * which a callback must answer with 200 and the challenge as the whole body.
 *
 * @example
 * const result = await verifyWebhookCallback({ callbackUrl, verifyToken: 'my-token' }, 5000);
 * result.verified; // true
 */
export async function verifyWebhookCallback(
  subscription: { callbackUrl: string; verifyToken: string },
  timeoutMs: number,
): Promise<WebhookVerificationResult> {
  const challenge = String(randomInt(1_000_000_000, 2_000_000_000));
  const url = new URL(subscription.callbackUrl);
  url.searchParams.set('hub.mode', 'subscribe');
  url.searchParams.set('hub.challenge', challenge);
  url.searchParams.set('hub.verify_token', subscription.verifyToken);
  try {
    const response = await got.get(url, {
      headers: { 'user-agent': 'facebookplatform/1.0 (+http://developers.facebook.com)' },
      timeout: { request: timeoutMs },
      retry: { limit: 0 },
      throwHttpErrors: false,
      followRedirect: false,
    });
    return {
      verified: response.statusCode === 200 && response.body === challenge,
      url: url.toString(),
      challenge,
      responseStatus: response.statusCode,
      responseBody: response.body,
      error: undefined,
    };
  } catch (error) {
    return {
      verified: false,
      url: url.toString(),
      challenge,
      responseStatus: undefined,
      responseBody: undefined,
      error: error instanceof Error ? error.message : String(error),
    };
  }
}
