import type { FromSchema } from 'json-schema-to-ts';
import { feedPostTypes, systemPostTypes } from './feed.ts';

/**
 * System settings. Every key has a default, so a fresh install answers a full object;
 * later areas (email, workflows, routing) add their keys here.
 */
const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

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
      items: {
        type: 'string',
        enum: ['feed', 'notifications', 'records', 'lists', 'processes', 'marketing', 'imports'],
      },
      uniqueItems: true,
      default: ['feed', 'notifications', 'records', 'lists', 'processes', 'marketing', 'imports'],
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
    actionHistoryPrivacy: {
      type: 'string',
      oneOf: [
        { const: 'default', title: 'Everyone’s changes' },
        { const: 'user', title: 'Only their own changes' },
        { const: 'group', title: 'Their own and their groups’ changes' },
      ],
      default: 'default',
      description:
        "Whose changes a record's history shows to people who are not admins: default, everyone's; user, only their own; group, theirs and their groups' members' (X2CRM's Action History Privacy).",
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
    automaticSortIndexes: {
      type: 'boolean',
      default: true,
      description:
        'When a list sorts a large table (50,000 records or more) by a field without a sort index, Weft builds one in the background and ticks the field\'s "Fast sorting" (an admin may untick it: no automatic index comes back for that field).',
    },
    feedSystemPosts: {
      type: 'object',
      propertyNames: { enum: systemPostTypes },
      additionalProperties: { type: 'boolean' },
      default: {},
      description:
        'Which posts Weft writes to the activity feed by itself (record created / updated / deleted, task completed, web lead, process stages, notification copies); a type left out is on.',
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
    processBackdateWindowSeconds: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: 315_360_000,
      default: 86_400,
      description:
        'How long after a stage is completed a non-admin may revert it or change its date (0: never; null: unlimited).',
    },
    processBackdateRangeSeconds: {
      type: ['integer', 'null'],
      minimum: 0,
      maximum: 315_360_000,
      default: 2_592_000,
      description: 'How far back a non-admin may date a stage completion (0: not at all; null: unlimited).',
    },
    processAllowReassign: {
      type: 'boolean',
      default: false,
      description: 'Whether non-admins may name someone else as who completed a process stage.',
    },
    codeStepMaxTimeMs: {
      type: 'integer',
      minimum: 100,
      maximum: 60_000,
      default: 5000,
      description: 'The longest a flow’s code step may run (its own limit defaults to 1 s).',
    },
    timeZone: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      default: 'UTC',
      description:
        'The workspace’s time zone (IANA name): dates in templates and X2CRM’s {date}/{time}; a flow’s own time zone wins.',
    },
    locale: {
      type: 'string',
      minLength: 2,
      maxLength: 35,
      default: 'en-US',
      description: 'The workspace’s locale (BCP 47): month and day names, number formats in templates.',
    },
    dateFormat: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      default: '%Y-%m-%d',
      description: 'strftime format of a date in templates (`date: "date"`, X2CRM’s {date}).',
    },
    timeFormat: {
      type: 'string',
      minLength: 1,
      maxLength: 64,
      default: '%H:%M',
      description: 'strftime format of a time of day in templates (`date: "time"`, X2CRM’s {time}).',
    },
    appUrl: {
      type: ['string', 'null'],
      maxLength: 2000,
      pattern: '^https?://',
      default: null,
      description:
        'The address people open Weft at (https://crm.example.com): links to records in flow messages (X2CRM’s {link}); null writes relative links.',
    },
    // Marketing (server/marketing/).
    trackingBaseUrl: {
      type: ['string', 'null'],
      maxLength: 500,
      pattern: '^https?://[^/?#]+(/[^?#]*)?$',
      default: null,
      description:
        "Weft's public address as recipients reach it (https://crm.example.com): tracking pixels, links and unsubscribe pages point there. Null: no tracking is added.",
    },
    bulkEmailLimit: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: 1_000_000,
      default: null,
      description:
        'Most campaign emails sent per interval (a soft limit); null: as fast as the server takes them.',
    },
    bulkEmailIntervalSeconds: { type: 'integer', minimum: 1, maximum: 86_400, default: 60 },
    bulkEmailAccountId: {
      type: ['string', 'null'],
      pattern: uuidPattern,
      default: null,
      description: 'The sending account of campaigns that name none; null: the system SMTP settings.',
    },
    notificationEmailAccountId: { type: ['string', 'null'], pattern: uuidPattern, default: null },
    webLeadEmailAccountId: { type: ['string', 'null'], pattern: uuidPattern, default: null },
    caseEmailAccountId: { type: ['string', 'null'], pattern: uuidPattern, default: null },
    emailSignature: {
      type: ['string', 'null'],
      maxLength: 20_000,
      default: null,
      description: 'The global signature (HTML), appended to templated mail.',
    },
    emailSignatureMode: {
      type: 'string',
      enum: ['global', 'user'],
      default: 'global',
      description:
        "global: everyone signs with emailSignature; user: with their own sending account's signature.",
    },
    unsubscribeCategories: {
      type: 'array',
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 80 },
      default: ['Newsletters', 'Promotions', 'Events'],
      description: 'What a recipient may unsubscribe from one by one; a template or newsletter names one.',
    },
    unsubscribePageText: {
      type: 'string',
      maxLength: 20_000,
      default: 'Choose what you no longer want to receive: (PLACE_OPP)',
      description: 'The "do not email" page; (PLACE_OPP) is replaced by the list of categories.',
    },
    unsubscribedPageText: {
      type: 'string',
      maxLength: 20_000,
      default: 'You have been unsubscribed. Thank you.',
      description: 'The "Email Unsubscribed Page" text, shown once a recipient has unsubscribed.',
    },
    unsubscribeLinkText: { type: 'string', minLength: 1, maxLength: 200, default: 'Unsubscribe' },
    bounceDoNotEmailAfter: {
      type: ['integer', 'null'],
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'After this many hard bounces an address is unsubscribed from everything; null: never.',
    },
    smsAccountSid: { type: ['string', 'null'], maxLength: 100, default: null },
    smsAuthToken: {
      type: ['string', 'null'],
      maxLength: 200,
      default: null,
      writeOnly: true,
      description: 'Never answered back.',
    },
    smsFromNumber: { type: ['string', 'null'], maxLength: 30, default: null },
    smsApiBaseUrl: {
      type: 'string',
      maxLength: 500,
      pattern: '^https?://',
      default: 'https://api.twilio.com',
      description: 'A Twilio-compatible REST API.',
    },
    webTrackingHosts: {
      type: 'array',
      maxItems: 50,
      items: { type: 'string', minLength: 1, maxLength: 255 },
      default: [],
      description:
        'Host names of your website (where the tracker snippet runs): tracked links to them carry weft_v, which lets the snippet recognise the visitor.',
    },
    targetedContentTimeoutMs: { type: 'integer', minimum: 50, maximum: 10_000, default: 1500 },
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
