import type { FromSchema } from 'json-schema-to-ts';

/** Web forms (X2CRM's web-lead and service-case forms): how an admin builds one. */

const fieldName = {
  type: 'string',
  pattern: '^(contact\\.)?[A-Za-z][A-Za-z0-9_]{0,62}$',
  description: 'A field of the form’s module; a case form names its contact’s fields as contact.<field>',
} as const;

export const formField = {
  type: 'object',
  properties: {
    name: fieldName,
    label: {
      type: 'string',
      maxLength: 200,
      description: 'Shown to the visitor (the field’s label if empty)',
    },
    required: { type: 'boolean', default: false },
    hidden: { type: 'boolean', default: false, description: 'Not shown: always submits `value`' },
    value: { type: 'string', maxLength: 1000, description: 'The fixed value of a hidden field' },
  },
  required: ['name'],
  additionalProperties: false,
} as const;

export const formKinds = ['lead', 'case'] as const;

export const formSettings = {
  type: 'object',
  properties: {
    fields: { type: 'array', items: formField, minItems: 1, maxItems: 60 },
    tags: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 100 },
      maxItems: 20,
      default: [],
    },
    leadSource: {
      type: 'string',
      maxLength: 100,
      description: 'Set on the contact (a value of Lead Source)',
    },
    submitLabel: { type: 'string', maxLength: 60, default: 'Submit' },
    thankYou: { type: 'string', maxLength: 2000, default: 'Thank you: we received your message.' },
    redirectUrl: { type: 'string', format: 'uri', pattern: '^https?://', maxLength: 2000 },
    matching: {
      enum: ['update', 'duplicate', 'skip'],
      default: 'update',
      description:
        'A web lead whose email matches a contact: update it, create a duplicate, or leave it as is',
    },
    routing: { type: 'boolean', default: true, description: 'Assign new records by the module’s routing' },
    autoResponse: {
      type: 'object',
      properties: {
        subject: { type: 'string', minLength: 1, maxLength: 300 },
        body: {
          type: 'string',
          minLength: 1,
          maxLength: 20000,
          description:
            'Text; {{record.<field>}} are the submitted values, {{record.caseNumber}} a case’s number',
        },
      },
      required: ['subject', 'body'],
      additionalProperties: false,
    },
    allowedOrigins: {
      type: 'array',
      items: { type: 'string', pattern: '^https?://[^/\\s]+$', maxLength: 300 },
      maxItems: 50,
      default: [],
      description: 'Sites that may post the form (scheme://host[:port]); none listed: any site',
    },
    minFillSeconds: { type: 'integer', minimum: 0, maximum: 600, default: 3 },
    perIpPerMinute: { type: 'integer', minimum: 1, maximum: 10000, default: 10 },
    perFormPerMinute: { type: 'integer', minimum: 1, maximum: 1000000, default: 1000 },
  },
  required: ['fields'],
  additionalProperties: false,
} as const;

export const formBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    kind: { enum: formKinds },
    active: { type: 'boolean', default: true },
    settings: formSettings,
  },
  required: ['name', 'kind', 'settings'],
  additionalProperties: false,
} as const;

export const formPatchBody = {
  type: 'object',
  properties: {
    name: formBody.properties.name,
    active: { type: 'boolean' },
    settings: formSettings,
  },
  additionalProperties: false,
  minProperties: 1,
} as const;

export const formParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const;

/** Defaults are filled by the server's validator; stored and written settings may omit them. */
const optionalDefaults = { keepDefaultedPropertiesOptional: true } as const;
export type FormSettings = FromSchema<typeof formSettings, typeof optionalDefaults>;
export type FormField = FromSchema<typeof formField, typeof optionalDefaults>;
export type FormBody = FromSchema<typeof formBody, typeof optionalDefaults>;
export type FormPatch = FromSchema<typeof formPatchBody, typeof optionalDefaults>;

export const formKindQuery = {
  type: 'object',
  properties: { kind: { enum: formKinds } },
  required: ['kind'],
  additionalProperties: false,
} as const;

export const submissionsQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    contactId: { type: 'string', format: 'uuid' },
  },
  additionalProperties: false,
} as const;

/** A submission posted as JSON by the embed script: field name → text (or a list of texts). */
export const submissionBody = {
  type: 'object',
  propertyNames: { maxLength: 100 },
  additionalProperties: {
    anyOf: [
      { type: 'string', maxLength: 20000 },
      { type: 'array', items: { type: 'string', maxLength: 1000 }, maxItems: 100 },
      { type: 'boolean' },
      { type: 'number' },
    ],
  },
  maxProperties: 100,
} as const;
