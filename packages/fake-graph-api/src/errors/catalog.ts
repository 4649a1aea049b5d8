/**
 * How Meta reports an error: in the HTTP response of the request (`response`), or by accepting the
 * message and sending a `failed` status webhook later (`status`).
 *
 * @example
 * fake.injectError({ code: 131026, delivery: 'response' }); // in the send response instead of by webhook
 */
export type ErrorDelivery = 'response' | 'status';

/**
 * One row of Meta's Cloud API error-code table.
 *
 * @example
 * metaErrorDefinition(131047).delivery; // 'status'
 */
export interface MetaErrorDefinition {
  /** The code title; Meta puts it in `message` as `(#<code>) <title>`. */
  title: string;
  /** The default `error_data.details`. */
  details: string;
  /** The HTTP status Meta answers with when the error comes back in the response. */
  httpStatus: number;
  /** Where Meta reports it when a message is sent. */
  delivery: ErrorDelivery;
}

/**
 * Meta's documented Cloud API error codes (developers.facebook.com, "Error codes"). Rate limits
 * 4/80007/130429 answer 429 as CLOUD-API.md records; the pair rate limit 131056 and the other
 * 4xx-class errors answer 400. Errors that Meta only learns about after accepting a message (closed
 * customer-service window, undeliverable, ecosystem limits, media download) arrive as `failed`
 * statuses.
 *
 * @example
 * META_ERROR_CATALOG[130429]?.httpStatus; // 429
 */
export const META_ERROR_CATALOG: Readonly<Record<number, MetaErrorDefinition>> = {
  0: {
    title: 'AuthException',
    details: 'We were unable to authenticate the app user.',
    httpStatus: 401,
    delivery: 'response',
  },
  1: {
    title: 'API Unknown',
    details: 'Invalid request or possible server error.',
    httpStatus: 400,
    delivery: 'response',
  },
  2: {
    title: 'API Service',
    details: 'Temporary due to downtime or due to being overloaded.',
    httpStatus: 503,
    delivery: 'response',
  },
  3: {
    title: 'API Method',
    details: 'Capability or permissions issue.',
    httpStatus: 500,
    delivery: 'response',
  },
  4: {
    title: 'Application request limit reached',
    details: 'The app has reached its API call rate limit.',
    httpStatus: 429,
    delivery: 'response',
  },
  10: {
    title: 'Permission Denied',
    details: 'Permission is either not granted or has been removed.',
    httpStatus: 403,
    delivery: 'response',
  },
  33: {
    title: 'Parameter value is not valid',
    details: 'The business phone number has been deleted.',
    httpStatus: 400,
    delivery: 'response',
  },
  100: {
    title: 'Invalid parameter',
    details: 'The request included one or more unsupported or misspelled parameters.',
    httpStatus: 400,
    delivery: 'response',
  },
  190: {
    title: 'Access token has expired',
    details: 'Your access token has expired.',
    httpStatus: 401,
    delivery: 'response',
  },
  200: {
    title: 'API Permission',
    details: 'Permission is either not granted or has been removed.',
    httpStatus: 403,
    delivery: 'response',
  },
  368: {
    title: 'Temporarily blocked for policies violations',
    details:
      'The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.',
    httpStatus: 403,
    delivery: 'response',
  },
  80007: {
    title: 'Rate limit issues',
    details: 'The WhatsApp Business Account has reached its rate limit.',
    httpStatus: 429,
    delivery: 'response',
  },
  130429: {
    title: 'Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
    httpStatus: 429,
    delivery: 'response',
  },
  130472: {
    title: "User's number is part of an experiment",
    details: "Message was not sent as part of an experiment. The user's number is part of an experiment.",
    httpStatus: 400,
    delivery: 'status',
  },
  130497: {
    title: 'Business account is restricted from messaging users in this country',
    details: 'The WhatsApp Business Account is restricted from messaging users in certain countries.',
    httpStatus: 403,
    delivery: 'response',
  },
  131000: {
    title: 'Something went wrong',
    details: 'Message failed to send due to an unknown error.',
    httpStatus: 500,
    delivery: 'response',
  },
  131005: {
    title: 'Access denied',
    details: 'Permission is either not granted or has been removed.',
    httpStatus: 403,
    delivery: 'response',
  },
  131008: {
    title: 'Required parameter is missing',
    details: 'The request is missing a required parameter.',
    httpStatus: 400,
    delivery: 'response',
  },
  131009: {
    title: 'Parameter value is not valid',
    details: 'One or more parameter values are invalid.',
    httpStatus: 400,
    delivery: 'response',
  },
  131016: {
    title: 'Service unavailable',
    details: 'A service is temporarily unavailable.',
    httpStatus: 503,
    delivery: 'response',
  },
  131021: {
    title: 'Recipient cannot be sender',
    details: 'Sender and recipient phone number is the same.',
    httpStatus: 400,
    delivery: 'response',
  },
  131026: {
    title: 'Message Undeliverable',
    details: 'Unable to deliver message.',
    httpStatus: 400,
    delivery: 'status',
  },
  131030: {
    title: 'Recipient phone number not in allowed list',
    details: 'Recipient phone number not in allowed list.',
    httpStatus: 400,
    delivery: 'response',
  },
  131031: {
    title: 'Account has been locked',
    details:
      'The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.',
    httpStatus: 403,
    delivery: 'response',
  },
  131037: {
    title: 'WhatsApp provided number needs display name approval before message can be sent.',
    details: 'The 555 business phone number needs a display name approval before it can send messages.',
    httpStatus: 400,
    delivery: 'response',
  },
  131042: {
    title: 'Business eligibility payment issue',
    details: 'There was an error related to your payment method.',
    httpStatus: 400,
    delivery: 'response',
  },
  131045: {
    title: 'Incorrect certificate',
    details: 'Message failed to send due to a phone number registration error.',
    httpStatus: 500,
    delivery: 'response',
  },
  131047: {
    title: 'Re-engagement message',
    details: 'More than 24 hours have passed since the recipient last replied to the sender number.',
    httpStatus: 400,
    delivery: 'status',
  },
  131048: {
    title: 'Spam rate limit hit',
    details:
      'Message failed to send because there are restrictions on how many messages can be sent from this phone number.',
    httpStatus: 400,
    delivery: 'response',
  },
  131049: {
    title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    details: 'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
    httpStatus: 400,
    delivery: 'status',
  },
  131050: {
    title: 'User stopped marketing messages',
    details:
      'Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.',
    httpStatus: 400,
    delivery: 'status',
  },
  131051: {
    title: 'Unsupported message type',
    details: 'Unsupported message type.',
    httpStatus: 400,
    delivery: 'response',
  },
  131052: {
    title: 'Media download error',
    details: 'Unable to download the media sent by the user.',
    httpStatus: 400,
    delivery: 'status',
  },
  131053: {
    title: 'Media upload error',
    details: 'Unable to upload the media used in the message.',
    httpStatus: 400,
    delivery: 'status',
  },
  131056: {
    title: '(Business Account, Consumer Account) pair rate limit hit',
    details:
      'Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.',
    httpStatus: 400,
    delivery: 'response',
  },
  131057: {
    title: 'Account in maintenance mode',
    details: 'Business Account is in maintenance mode.',
    httpStatus: 500,
    delivery: 'response',
  },
  132000: {
    title: 'Template Param Count Mismatch',
    details:
      'The number of variable parameter values included in the request did not match the number defined.',
    httpStatus: 400,
    delivery: 'response',
  },
  132001: {
    title: 'Template does not exist',
    details: 'The template does not exist in the specified language or the template has not been approved.',
    httpStatus: 404,
    delivery: 'response',
  },
  132005: {
    title: 'Template Hydrated Text Too Long',
    details: 'Translated text is too long.',
    httpStatus: 400,
    delivery: 'response',
  },
  132007: {
    title: 'Template Format Character Policy Violated',
    details: 'Template content violates a WhatsApp policy.',
    httpStatus: 400,
    delivery: 'response',
  },
  132012: {
    title: 'Template Parameter Format Mismatch',
    details: 'Variable parameter values formatted incorrectly.',
    httpStatus: 400,
    delivery: 'response',
  },
  132015: {
    title: 'Template is Paused',
    details: 'Template is paused due to low quality so it cannot be sent in a template message.',
    httpStatus: 400,
    delivery: 'response',
  },
  132016: {
    title: 'Template is Disabled',
    details: 'Template has been paused too many times due to low quality and is now permanently disabled.',
    httpStatus: 400,
    delivery: 'response',
  },
  132068: {
    title: 'Flow is blocked',
    details: 'Flow is in blocked state.',
    httpStatus: 400,
    delivery: 'response',
  },
  132069: {
    title: 'Flow is throttled',
    details: 'Flow is in throttled state and 10 messages using this flow were already sent in the last hour.',
    httpStatus: 400,
    delivery: 'response',
  },
  133000: {
    title: 'Incomplete Deregistration',
    details: 'A previous deregistration attempt failed.',
    httpStatus: 500,
    delivery: 'response',
  },
  133004: {
    title: 'Server Temporarily Unavailable',
    details: 'Server is temporarily unavailable.',
    httpStatus: 503,
    delivery: 'response',
  },
  133010: {
    title: 'Phone number Not Registered',
    details: 'The phone number is not registered on the WhatsApp Business Platform.',
    httpStatus: 400,
    delivery: 'response',
  },
  135000: {
    title: 'Generic user error',
    details: 'Message failed to send because of an unknown error with your request parameters.',
    httpStatus: 400,
    delivery: 'response',
  },
};

/** Codes missing from the table are reported like Meta's unknown errors. */
const UNLISTED_CODE: MetaErrorDefinition = {
  title: 'Something went wrong',
  details: 'An unknown error occurred.',
  httpStatus: 400,
  delivery: 'response',
};

/**
 * The table row of a code, or a generic one for codes the table does not list.
 *
 * @example
 * metaErrorDefinition(131056).httpStatus; // 400
 */
export function metaErrorDefinition(code: number): MetaErrorDefinition {
  return META_ERROR_CATALOG[code] ?? UNLISTED_CODE;
}
