/** The marketing API (server/marketing/): templates, sending accounts, campaigns, newsletters. */
import { uuid } from './common.ts';

const nullableText = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

export const templateBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    category: nullableText(80),
    module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    subject: { type: 'string', minLength: 1, maxLength: 998 },
    html: nullableText(500_000),
    text: nullableText(200_000),
  },
  required: ['name', 'subject'],
  additionalProperties: false,
} as const;

export const templatePatchBody = {
  ...templateBody,
  required: [],
  minProperties: 1,
} as const;

/** A template checked or previewed before (or without) saving it. */
export const templateDraftBody = {
  type: 'object',
  properties: {
    module: templateBody.properties.module,
    category: templateBody.properties.category,
    subject: { type: 'string', maxLength: 998 },
    html: templateBody.properties.html,
    text: templateBody.properties.text,
    recordId: { ...uuid, description: 'The sample record to render with; else the newest of the module' },
  },
  required: ['subject'],
  additionalProperties: false,
} as const;

export const templateTestBody = {
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 3, maxLength: 500 },
    recordId: uuid,
    accountId: uuid,
  },
  required: ['to'],
  additionalProperties: false,
} as const;

export const accountBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    fromAddress: { type: 'string', format: 'email', maxLength: 255 },
    fromName: nullableText(255),
    host: { type: 'string', minLength: 1, maxLength: 255 },
    port: { type: 'integer', minimum: 1, maximum: 65_535 },
    security: { type: 'string', enum: ['none', 'starttls', 'tls'] },
    username: nullableText(255),
    password: { ...nullableText(1000), writeOnly: true },
    signature: nullableText(20_000),
    ownerId: { type: ['string', 'null'], format: 'uuid', description: 'null: shared (admins only)' },
  },
  required: ['name', 'fromAddress', 'host', 'port', 'security'],
  additionalProperties: false,
} as const;

export const accountPatchBody = { ...accountBody, required: [], minProperties: 1 } as const;

export const campaignBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    listId: { type: ['string', 'null'], format: 'uuid' },
    newsletterId: { type: ['string', 'null'], format: 'uuid' },
    templateId: uuid,
    accountId: {
      type: ['string', 'null'],
      format: 'uuid',
      description: 'null: the bulk email account setting',
    },
    scheduledAt: { type: ['string', 'null'], format: 'date-time' },
  },
  required: ['name', 'templateId'],
  additionalProperties: false,
} as const;

export const campaignPatchBody = { ...campaignBody, required: [], minProperties: 1 } as const;

export const launchBody = {
  type: 'object',
  properties: {
    at: { type: ['string', 'null'], format: 'date-time', description: 'Later; null or absent: now' },
  },
  additionalProperties: false,
} as const;

export const recipientsQuery = {
  type: 'object',
  properties: {
    state: {
      type: 'string',
      enum: ['queued', 'sending', 'sent', 'failed', 'bounced', 'opened', 'clicked', 'unsubscribed'],
    },
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
    after: uuid,
  },
  additionalProperties: false,
} as const;

export const activityQuery = {
  type: 'object',
  properties: { bucket: { type: 'string', enum: ['minute', 'hour', 'day'], default: 'hour' } },
  additionalProperties: false,
} as const;

export const newsletterBody = {
  type: 'object',
  properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, category: nullableText(80) },
  required: ['name'],
  additionalProperties: false,
} as const;

export const subscribersBody = {
  type: 'object',
  properties: {
    subscribers: {
      type: 'array',
      minItems: 1,
      maxItems: 10_000,
      items: {
        type: 'object',
        properties: {
          address: { type: 'string', format: 'email', maxLength: 255 },
          name: nullableText(200),
          module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
          recordId: uuid,
        },
        additionalProperties: false,
        anyOf: [{ required: ['address'] }, { required: ['module', 'recordId'] }],
      },
    },
  },
  required: ['subscribers'],
  additionalProperties: false,
} as const;

export const recordParams = {
  type: 'object',
  properties: { module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' }, id: uuid },
  required: ['module', 'id'],
  additionalProperties: false,
} as const;

export const tokenParams = {
  type: 'object',
  properties: { token: { type: 'string', minLength: 1, maxLength: 200 } },
  required: ['token'],
  additionalProperties: false,
} as const;
