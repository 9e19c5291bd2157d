/** The email outbox API: every message a flow or Weft itself sent or keeps. */
import { listQuery, uuid } from './common.ts';

export const emailStatuses = ['stored', 'queued', 'sent', 'failed'] as const;

export const outboxListQuery = {
  type: 'object',
  properties: {
    limit: listQuery.properties.limit,
    cursor: listQuery.properties.cursor,
    status: {
      type: 'string',
      enum: emailStatuses,
      description: 'stored: kept in the built-in outbox (no SMTP host); queued: waiting for delivery',
    },
  },
  additionalProperties: false,
} as const;

const nullableText = { type: ['string', 'null'] } as const;
const addressList = { type: 'array', items: { type: 'string' } } as const;

const outboxProperties = {
  id: uuid,
  messageId: { type: 'string', description: 'The Message-ID header, the same on every attempt' },
  fromAddress: { type: 'string' },
  to: addressList,
  cc: addressList,
  bcc: addressList,
  subject: { type: 'string' },
  status: { type: 'string', enum: emailStatuses },
  attempts: { type: 'integer' },
  lastError: nullableText,
  smtpResponse: nullableText,
  module: nullableText,
  recordId: nullableText,
  runId: nullableText,
  createdAt: { type: 'string', format: 'date-time' },
  sentAt: { type: ['string', 'null'], format: 'date-time' },
} as const;

export const outboxItemResponse = {
  type: 'object',
  properties: outboxProperties,
} as const;

export const outboxMessageResponse = {
  type: 'object',
  properties: { ...outboxProperties, text: nullableText, html: nullableText },
} as const;

export const testEmailBody = {
  type: 'object',
  properties: {
    to: { type: 'string', minLength: 1, maxLength: 1000, description: 'Where to send the test message' },
  },
  required: ['to'],
  additionalProperties: false,
} as const;

export const testEmailResponse = {
  type: 'object',
  properties: {
    sent: { type: 'boolean' },
    response: { type: 'string', description: "The SMTP server's reply" },
  },
  required: ['sent', 'response'],
} as const;
