import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { FakeSetupError } from './accounts/accounts';
import {
  AccessTokenRegistration,
  BusinessRegistration,
  PhoneNumberRegistration,
  PhoneNumberUpdate,
  TemplateRegistration,
  TemplateStatus,
  WebhookSubscription,
} from './accounts/schemas';
import { ErrorInjection } from './errors/injections';
import type { FakeGraphApi } from './fake-graph-api';
import { PairRateLimit } from './messages/rate-limits';
import { CustomerServiceWindowPolicyPatch } from './platform';
import { INJECTABLE_OPERATIONS } from './recording/request-log';
import { WebhookDeliveryPolicyPatch } from './webhooks/dispatcher';
import { InboundMessageInput } from './webhooks/inbound';
import { RecipientBehaviorPatch, StatusTimingPatch } from './webhooks/statuses';

const NoBody = z.object({});
const Expiry = z.object({ at: z.number().int().positive().optional() });
const DuplicateCount = z.object({ count: z.number().int().positive().default(1) });
const TemplateStatusChange = z.object({ status: TemplateStatus });
const WindowOpening = z.object({
  phoneNumberId: z.string().min(1),
  waId: z.string().regex(/^\d+$/),
  at: z.number().int().positive().optional(),
});
const RequestFilter = z.object({
  operation: z.enum([...INJECTABLE_OPERATIONS, 'download_media']).optional(),
});

/** The control endpoints, listed by `GET /_fake` for people trying the fake by hand. */
const CONTROL_ENDPOINTS = [
  'GET    /_fake/businesses',
  'POST   /_fake/businesses',
  'GET    /_fake/businesses/:wabaId',
  'POST   /_fake/businesses/:wabaId/phone-numbers',
  'POST   /_fake/businesses/:wabaId/access-tokens',
  'PUT    /_fake/businesses/:wabaId/webhook',
  'POST   /_fake/businesses/:wabaId/webhook/verify',
  'POST   /_fake/businesses/:wabaId/templates',
  'PATCH  /_fake/businesses/:wabaId/templates/:name/:language',
  'PATCH  /_fake/phone-numbers/:phoneNumberId',
  'POST   /_fake/access-tokens/:token/expire',
  'POST   /_fake/access-tokens/:token/revoke',
  'POST   /_fake/errors',
  'DELETE /_fake/errors',
  'DELETE /_fake/errors/:id',
  'PUT    /_fake/pair-rate-limit',
  'PUT    /_fake/customer-service-window',
  'POST   /_fake/customer-service-windows',
  'PUT    /_fake/recipients/:waId',
  'PUT    /_fake/status-timing',
  'PUT    /_fake/webhook-delivery',
  'POST   /_fake/webhooks/duplicate-next',
  'POST   /_fake/inbound-messages',
  'GET    /_fake/requests',
  'GET    /_fake/sent-messages',
  'GET    /_fake/webhook-deliveries',
  'DELETE /_fake/records',
];

/** A path parameter of the route; the router only matches when it is present. */
function pathParam(c: Context, name: string): string {
  return c.req.param(name) ?? '';
}

/** A control call's JSON body checked against a schema; an empty body counts as `{}`. */
async function bodyOf<Schema extends z.ZodType>(request: Request, schema: Schema): Promise<z.output<Schema>> {
  const text = await request.text();
  return schema.parse(text.trim() === '' ? {} : JSON.parse(text));
}

/**
 * The HTTP form of the control API under `/_fake`, for demos and for processes that cannot hold
 * the handle. Bodies are JSON and validated with the same schemas as the programmatic API.
 *
 * @example
 * app.route('/_fake', controlRoutes(() => fake));
 */
export function controlRoutes(fake: () => FakeGraphApi): Hono {
  const control = new Hono();
  /** A call that changes the fake: parse the body, apply it, answer 204. */
  const command =
    <Schema extends z.ZodType>(schema: Schema, apply: (body: z.output<Schema>, c: Context) => unknown) =>
    async (c: Context) => {
      apply(await bodyOf(c.req.raw, schema), c);
      return new Response(null, { status: 204 });
    };
  /** A call that creates something: parse the body, answer 201 with what was created. */
  const creation =
    <Schema extends z.ZodType>(schema: Schema, create: (body: z.output<Schema>, c: Context) => unknown) =>
    async (c: Context) =>
      c.json(create(await bodyOf(c.req.raw, schema), c) as object, 201);

  control.onError((error, c) => {
    if (error instanceof z.ZodError)
      return c.json({ error: { message: 'invalid input', issues: error.issues } }, 400);
    if (error instanceof FakeSetupError || error instanceof SyntaxError) {
      return c.json({ error: { message: error.message } }, 400);
    }
    throw error;
  });

  control.get('/', (c) => c.json({ endpoints: CONTROL_ENDPOINTS }));
  control.get('/businesses', (c) => c.json(fake().businesses()));
  control.post(
    '/businesses',
    creation(BusinessRegistration, (business) => fake().registerBusiness(business)),
  );
  control.get('/businesses/:wabaId', (c) => c.json(fake().business(pathParam(c, 'wabaId'))));
  control.post(
    '/businesses/:wabaId/phone-numbers',
    creation(PhoneNumberRegistration, (number, c) => fake().addPhoneNumber(pathParam(c, 'wabaId'), number)),
  );
  control.post(
    '/businesses/:wabaId/access-tokens',
    command(AccessTokenRegistration, (token, c) => fake().addAccessToken(pathParam(c, 'wabaId'), token)),
  );
  control.put(
    '/businesses/:wabaId/webhook',
    command(WebhookSubscription, (webhook, c) => fake().subscribeWebhook(pathParam(c, 'wabaId'), webhook)),
  );
  control.post('/businesses/:wabaId/webhook/verify', async (c) =>
    c.json(await fake().verifyWebhook(pathParam(c, 'wabaId'))),
  );
  control.post(
    '/businesses/:wabaId/templates',
    creation(TemplateRegistration, (template, c) => fake().addTemplate(pathParam(c, 'wabaId'), template)),
  );
  control.patch('/businesses/:wabaId/templates/:name/:language', async (c) => {
    const { status } = await bodyOf(c.req.raw, TemplateStatusChange);
    return c.json(
      fake().setTemplateStatus(
        pathParam(c, 'wabaId'),
        pathParam(c, 'name'),
        pathParam(c, 'language'),
        status,
      ),
    );
  });
  control.patch('/phone-numbers/:phoneNumberId', async (c) =>
    c.json(
      fake().updatePhoneNumber(pathParam(c, 'phoneNumberId'), await bodyOf(c.req.raw, PhoneNumberUpdate)),
    ),
  );
  control.post(
    '/access-tokens/:token/expire',
    command(Expiry, ({ at }, c) => fake().expireAccessToken(pathParam(c, 'token'), at)),
  );
  control.post(
    '/access-tokens/:token/revoke',
    command(NoBody, (_, c) => fake().revokeAccessToken(pathParam(c, 'token'))),
  );
  control.post(
    '/errors',
    creation(ErrorInjection, (injection) => ({ id: fake().injectError(injection) })),
  );
  control.delete(
    '/errors',
    command(NoBody, () => fake().clearInjectedErrors()),
  );
  control.delete(
    '/errors/:id',
    command(NoBody, (_, c) => fake().removeInjectedError(z.coerce.number().int().parse(pathParam(c, 'id')))),
  );
  control.put(
    '/pair-rate-limit',
    command(PairRateLimit, (rule) => fake().setPairRateLimit(rule)),
  );
  control.put(
    '/customer-service-window',
    command(CustomerServiceWindowPolicyPatch, (policy) => fake().setCustomerServiceWindow(policy)),
  );
  control.post(
    '/customer-service-windows',
    command(WindowOpening, ({ phoneNumberId, waId, at }) =>
      fake().openCustomerServiceWindow(phoneNumberId, waId, at),
    ),
  );
  control.put(
    '/recipients/:waId',
    command(RecipientBehaviorPatch, (behavior, c) =>
      fake().setRecipientBehavior(pathParam(c, 'waId'), behavior),
    ),
  );
  control.put(
    '/status-timing',
    command(StatusTimingPatch, (timing) => fake().setStatusTiming(timing)),
  );
  control.put(
    '/webhook-delivery',
    command(WebhookDeliveryPolicyPatch, (policy) => fake().configureWebhookDelivery(policy)),
  );
  control.post(
    '/webhooks/duplicate-next',
    command(DuplicateCount, ({ count }) => fake().duplicateNextWebhooks(count)),
  );
  control.post(
    '/inbound-messages',
    creation(InboundMessageInput, (input) => fake().sendInboundMessage(input)),
  );
  control.get('/requests', (c) => c.json(fake().requests(RequestFilter.parse(c.req.query()).operation)));
  control.get('/sent-messages', (c) => c.json(fake().sentMessages()));
  control.get('/webhook-deliveries', (c) => c.json(fake().webhookDeliveries()));
  control.delete(
    '/records',
    command(NoBody, () => fake().clearRecords()),
  );
  return control;
}
