import type { FromSchema } from 'json-schema-to-ts';
import { feedPostTypes } from './feed.ts';

/**
 * System settings. Every key has a default, so a fresh install answers a full object;
 * later areas (email, workflows, routing) add their keys here.
 */
export const settingsSchema = {
  type: 'object',
  properties: {
    appName: { type: 'string', minLength: 1, maxLength: 80, default: 'Weft' },
    logoUrl: { type: ['string', 'null'], maxLength: 2000, default: null },
    defaultTheme: {
      type: 'string',
      enum: ['light', 'dark', 'auto'],
      default: 'light',
      description: 'The colour scheme the app opens in (auto: as the device prefers).',
    },
    menuItems: {
      type: 'array',
      items: { type: 'string', enum: ['feed', 'notifications', 'records', 'lists', 'imports'] },
      uniqueItems: true,
      default: ['feed', 'notifications', 'records', 'lists', 'imports'],
      description:
        'The menu entries everyone sees, in this order (Home, Flows, Studio and Admin always show for those who may use them).',
    },
    moduleOrder: {
      type: 'array',
      items: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
      uniqueItems: true,
      default: [],
      description: 'Modules listed first under Records, in this order; the others follow by name.',
    },
    sessionTimeoutMinutes: { type: 'integer', minimum: 5, maximum: 43_200, default: 60 },
    maxUsers: {
      type: ['integer', 'null'],
      minimum: 1,
      default: null,
      description: 'Most active users allowed; null for no limit.',
    },
    loginMaxFailuresPerUser: { type: 'integer', minimum: 1, maximum: 1000, default: 5 },
    loginMaxFailuresPerIp: { type: 'integer', minimum: 1, maximum: 10_000, default: 20 },
    loginLockoutMinutes: { type: 'integer', minimum: 1, maximum: 1440, default: 15 },
    runRetentionDays: {
      type: 'integer',
      minimum: 1,
      maximum: 3650,
      default: 30,
      description: 'Finished flow runs older than this are deleted in the background.',
    },
    runRetentionPerFlow: {
      type: 'integer',
      minimum: 10,
      maximum: 1_000_000,
      default: 1000,
      description: "Most finished runs kept per flow (X2CRM's trigger log cap); older ones are deleted.",
    },
    triggerLogMax: {
      type: 'integer',
      minimum: 100,
      maximum: 10_000_000,
      default: 1_000_000,
      description:
        "Most trigger-log entries kept, all flows together (X2CRM's triggerLogMax); the oldest are deleted in the background.",
    },
    triggerLogConditions: {
      type: 'boolean',
      default: false,
      description: 'Also log the events whose trigger conditions did not hold (no run started).',
    },
    flowChainDepth: {
      type: 'integer',
      minimum: 0,
      maximum: 20,
      default: 5,
      description:
        "How many flows deep a chain of flows' own writes may go before the next is refused (and logged).",
    },
    feedRetentionDays: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: 36_500,
      default: null,
      description: 'Days feed posts are kept (pinned ones always); null keeps them.',
    },
    feedRetentionDaysByType: {
      type: 'object',
      propertyNames: { enum: feedPostTypes },
      additionalProperties: { type: ['integer', 'null'], minimum: 1, maximum: 36_500 },
      default: {},
      description: 'Per feed post type, overriding feedRetentionDays; null keeps that type.',
    },
    smtpHost: {
      type: ['string', 'null'],
      maxLength: 255,
      default: null,
      description: 'SMTP server for outgoing email; null keeps every message in the built-in outbox.',
    },
    smtpPort: { type: 'integer', minimum: 1, maximum: 65_535, default: 587 },
    smtpSecurity: {
      type: 'string',
      enum: ['none', 'starttls', 'tls'],
      default: 'starttls',
      description: 'starttls: upgrade a plain connection (port 587); tls: TLS from the start (port 465).',
    },
    smtpUser: { type: ['string', 'null'], maxLength: 255, default: null },
    smtpPassword: {
      type: ['string', 'null'],
      maxLength: 1000,
      default: null,
      writeOnly: true,
      description: 'Never answered back: GET /api/settings says smtpPasswordSet instead.',
    },
    emailFromAddress: { type: ['string', 'null'], maxLength: 255, default: null },
    emailFromName: { type: ['string', 'null'], maxLength: 255, default: null },
    respectDoNotEmail: {
      type: 'boolean',
      default: true,
      description:
        'Flows send nothing to a record whose doNotEmail is set (the step says why it sent nothing).',
    },
    httpAllowList: {
      type: 'array',
      maxItems: 200,
      items: { type: 'string', minLength: 1, maxLength: 255 },
      default: [],
      description:
        'Host names or CIDR ranges that flow HTTP requests may reach although they are private or loopback.',
    },
  },
  additionalProperties: false,
} as const;

/** A PATCH names only what changes: the same properties, without defaults (ajv would fill them in). */
export const settingsPatchSchema = {
  type: 'object',
  properties: Object.fromEntries(
    Object.entries(settingsSchema.properties).map(([key, { default: _default, ...property }]) => [
      key,
      property,
    ]),
  ),
  additionalProperties: false,
  minProperties: 1,
} as const;

export type Settings = FromSchema<typeof settingsSchema, { keepDefaultedPropertiesOptional: false }>;
