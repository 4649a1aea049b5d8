import { digitsOf, newGraphObjectId } from '../ids';
import {
  AccessTokenRegistration,
  type BusinessManagerMessagingLimit,
  BusinessRegistration,
  type MessagingLimitTier,
  PhoneNumberRegistration,
  PhoneNumberUpdate,
  TemplateRegistration,
  type TemplateStatus,
  WebhookSubscription,
} from './schemas';

/**
 * A registered phone number with its WABA and derived facts.
 *
 * @example
 * accounts.phoneNumber('106540352242922').displayPhoneNumberDigits; // '15550783881'
 */
export type PhoneNumberRecord = ReturnType<typeof PhoneNumberRegistration.parse> & {
  phoneNumberId: string;
  wabaId: string;
  businessManagerMessagingLimit: BusinessManagerMessagingLimit;
  /** The digits Meta puts in webhook `metadata.display_phone_number`. */
  displayPhoneNumberDigits: string;
  onboardedAt: number;
};

/**
 * A registered template, with its id.
 *
 * @example
 * accounts.business(wabaId).templates[0]?.status; // 'APPROVED'
 */
export type TemplateRecord = ReturnType<typeof TemplateRegistration.parse> & { id: string };

type WebhookSubscriptionRecord = ReturnType<typeof WebhookSubscription.parse>;

/**
 * A registered WABA: its numbers, templates and webhook subscription.
 *
 * @example
 * accounts.business('102290129340398').phoneNumberIds; // ['106540352242922']
 */
export interface BusinessRecord {
  wabaId: string;
  name: string;
  phoneNumberIds: string[];
  templates: TemplateRecord[];
  webhook: WebhookSubscriptionRecord | undefined;
}

/**
 * A token, the businesses it reaches, and whether it expired or was revoked.
 *
 * @example
 * accounts.accessToken('EAAG…').wabaIds.has(wabaId); // true
 */
export interface AccessTokenRecord {
  token: string;
  wabaIds: Set<string>;
  expiresAt: number | undefined;
  revoked: boolean;
}

/** Meta retired the 1K tier for 2K; the other legacy tiers keep their meaning. */
const BUSINESS_MANAGER_LIMIT_OF_TIER: Record<MessagingLimitTier, BusinessManagerMessagingLimit> = {
  TIER_50: 'TIER_250',
  TIER_250: 'TIER_250',
  TIER_1K: 'TIER_2K',
  TIER_10K: 'TIER_10K',
  TIER_100K: 'TIER_100K',
  TIER_UNLIMITED: 'TIER_UNLIMITED',
};

/**
 * Raised by the control API for input that names nothing registered, or registers twice.
 *
 * @example
 * fake.addPhoneNumber('999', { … }); // throws FakeSetupError: no business 999 is registered
 */
export class FakeSetupError extends Error {
  override name = 'FakeSetupError';
}

/**
 * The businesses (WABAs) the fake knows, with their phone numbers, access tokens, templates and
 * webhook subscriptions: the part of Meta's world that tests set up.
 *
 * @example
 * const accounts = new MetaAccounts();
 * accounts.registerBusiness({ wabaId: '102290129340398', phoneNumbers: [...], accessTokens: ['EAAG…'] });
 */
export class MetaAccounts {
  readonly businesses = new Map<string, BusinessRecord>();
  readonly phoneNumbers = new Map<string, PhoneNumberRecord>();
  readonly accessTokens = new Map<string, AccessTokenRecord>();

  registerBusiness(input: BusinessRegistration): BusinessRecord {
    const registration = BusinessRegistration.parse(input);
    const wabaId = registration.wabaId ?? newGraphObjectId();
    if (this.businesses.has(wabaId)) throw new FakeSetupError(`business ${wabaId} is already registered`);
    const business: BusinessRecord = {
      wabaId,
      name: registration.name,
      phoneNumberIds: [],
      templates: [],
      webhook: registration.webhook,
    };
    this.businesses.set(wabaId, business);
    for (const phoneNumber of registration.phoneNumbers) this.addPhoneNumber(wabaId, phoneNumber);
    for (const token of registration.accessTokens) this.addAccessToken([wabaId], token);
    for (const template of registration.templates) this.addTemplate(wabaId, template);
    return business;
  }

  business(wabaId: string): BusinessRecord {
    const business = this.businesses.get(wabaId);
    if (business === undefined) throw new FakeSetupError(`no business ${wabaId} is registered`);
    return business;
  }

  phoneNumber(phoneNumberId: string): PhoneNumberRecord {
    const phoneNumber = this.phoneNumbers.get(phoneNumberId);
    if (phoneNumber === undefined) throw new FakeSetupError(`no phone number ${phoneNumberId} is registered`);
    return phoneNumber;
  }

  addPhoneNumber(wabaId: string, input: PhoneNumberRegistration): PhoneNumberRecord {
    const business = this.business(wabaId);
    const registration = PhoneNumberRegistration.parse(input);
    const phoneNumberId = registration.phoneNumberId ?? newGraphObjectId();
    if (this.phoneNumbers.has(phoneNumberId)) {
      throw new FakeSetupError(`phone number ${phoneNumberId} is already registered`);
    }
    const record: PhoneNumberRecord = {
      ...registration,
      phoneNumberId,
      wabaId,
      businessManagerMessagingLimit:
        registration.businessManagerMessagingLimit ??
        BUSINESS_MANAGER_LIMIT_OF_TIER[registration.messagingLimitTier],
      displayPhoneNumberDigits: digitsOf(registration.displayPhoneNumber),
      onboardedAt: Date.now(),
    };
    this.phoneNumbers.set(phoneNumberId, record);
    business.phoneNumberIds.push(phoneNumberId);
    return record;
  }

  updatePhoneNumber(phoneNumberId: string, input: PhoneNumberUpdate): PhoneNumberRecord {
    const record = this.phoneNumber(phoneNumberId);
    const update = PhoneNumberUpdate.parse(input);
    Object.assign(
      record,
      Object.fromEntries(Object.entries(update).filter(([, value]) => value !== undefined)),
    );
    if (update.messagingLimitTier !== undefined && update.businessManagerMessagingLimit === undefined) {
      record.businessManagerMessagingLimit = BUSINESS_MANAGER_LIMIT_OF_TIER[update.messagingLimitTier];
    }
    return record;
  }

  /** Grants a token access to businesses; a token added twice keeps access to all of them. */
  addAccessToken(wabaIds: readonly string[], input: AccessTokenRegistration): AccessTokenRecord {
    for (const wabaId of wabaIds) this.business(wabaId);
    const registration = AccessTokenRegistration.parse(input);
    const { token, expiresAt } = typeof registration === 'string' ? { token: registration } : registration;
    const record = this.accessTokens.get(token) ?? {
      token,
      wabaIds: new Set<string>(),
      expiresAt: undefined,
      revoked: false,
    };
    for (const wabaId of wabaIds) record.wabaIds.add(wabaId);
    if (expiresAt !== undefined) record.expiresAt = expiresAt;
    this.accessTokens.set(token, record);
    return record;
  }

  accessToken(token: string): AccessTokenRecord {
    const record = this.accessTokens.get(token);
    if (record === undefined) throw new FakeSetupError('no such access token is registered');
    return record;
  }

  subscribeWebhook(wabaId: string, input: WebhookSubscription): WebhookSubscriptionRecord {
    const business = this.business(wabaId);
    business.webhook = WebhookSubscription.parse(input);
    return business.webhook;
  }

  addTemplate(wabaId: string, input: TemplateRegistration): TemplateRecord {
    const business = this.business(wabaId);
    const registration = TemplateRegistration.parse(input);
    if (
      business.templates.some((t) => t.name === registration.name && t.language === registration.language)
    ) {
      throw new FakeSetupError(`template ${registration.name} (${registration.language}) already exists`);
    }
    const template: TemplateRecord = { ...registration, id: registration.id ?? newGraphObjectId() };
    business.templates.push(template);
    return template;
  }

  setTemplateStatus(wabaId: string, name: string, language: string, status: TemplateStatus): TemplateRecord {
    const template = this.business(wabaId).templates.find((t) => t.name === name && t.language === language);
    if (template === undefined)
      throw new FakeSetupError(`no template ${name} (${language}) in business ${wabaId}`);
    template.status = status;
    return template;
  }
}
