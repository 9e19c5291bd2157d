/** Inbound mail (server/inbound-mail/): the dropbox settings and the IMAP mailboxes Weft polls. */

const address = { type: 'string', format: 'email', maxLength: 254 } as const;

export const inboundMailSettings = {
  type: 'object',
  properties: {
    captureAddresses: {
      type: 'array',
      items: address,
      maxItems: 20,
      default: [],
      description: 'Dropbox addresses: mail to or cc one of them is logged on the contacts it was with',
    },
    supportAddresses: {
      type: 'array',
      items: address,
      maxItems: 20,
      default: [],
      description: 'Mail to one of them opens a service case for its sender',
    },
    createContacts: {
      type: 'boolean',
      default: false,
      description: 'Create a contact for an unknown address',
    },
    createContactsWithoutNames: {
      type: 'boolean',
      default: false,
      description: 'Also when the address has no display name (the name is taken from the address)',
    },
    zapLineBreaks: {
      type: 'boolean',
      default: false,
      description: 'Join the lines of a paragraph in logged bodies',
    },
  },
  additionalProperties: false,
} as const;

export const mailboxBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    host: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9.-]+$' },
    port: { type: 'integer', minimum: 1, maximum: 65535 },
    tls: { type: 'boolean', description: 'TLS from the start (port 993); otherwise STARTTLS when offered' },
    username: { type: 'string', minLength: 1, maxLength: 255 },
    password: { type: 'string', minLength: 1, maxLength: 1000, writeOnly: true },
    folder: { type: 'string', minLength: 1, maxLength: 255, default: 'INBOX' },
    purpose: { enum: ['dropbox', 'support'], default: 'dropbox' },
    pollSeconds: { type: 'integer', minimum: 10, maximum: 86400, default: 60 },
    active: { type: 'boolean', default: true },
  },
  required: ['name', 'host', 'port', 'tls', 'username', 'password'],
  additionalProperties: false,
} as const;

export const mailboxPatch = {
  type: 'object',
  properties: mailboxBody.properties,
  additionalProperties: false,
  minProperties: 1,
} as const;

export const mailboxParams = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' } },
  required: ['id'],
  additionalProperties: false,
} as const;

export const recordEmailParams = {
  type: 'object',
  properties: {
    module: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' },
    id: { type: 'string', format: 'uuid' },
  },
  required: ['module', 'id'],
  additionalProperties: false,
} as const;

/** An email written on a record's page: to its address unless another is given. */
export const recordEmailBody = {
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 3, maxLength: 320, title: 'To' },
    subject: { type: 'string', minLength: 1, maxLength: 300, title: 'Subject' },
    text: { type: 'string', minLength: 1, maxLength: 50000, title: 'Message' },
  },
  required: ['subject', 'text'],
  additionalProperties: false,
} as const;

export const messagesQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    status: { enum: ['captured', 'ignored', 'malformed'] },
  },
  additionalProperties: false,
} as const;
