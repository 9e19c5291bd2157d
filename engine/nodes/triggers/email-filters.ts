import type { EngineEvent } from '../define.ts';
import { conditionsParam } from '../define.ts';

/** The filters X2CRM's email triggers offered: a part of from, to, subject or body, any case. */
export const emailTriggerParams = {
  type: 'object',
  properties: {
    module: {
      type: 'string',
      pattern: '^[a-z][a-z0-9_]{0,62}$',
      title: 'Module',
      description: 'Only emails logged on records of this module (any when empty)',
    },
    from: { type: 'string', maxLength: 254, title: 'From contains' },
    to: { type: 'string', maxLength: 254, title: 'To contains' },
    subject: { type: 'string', maxLength: 300, title: 'Subject contains' },
    body: { type: 'string', maxLength: 300, title: 'Body contains' },
    conditions: conditionsParam,
  },
  additionalProperties: false,
} as const;

export const emailTriggerOutput = {
  type: 'object',
  properties: {
    module: { type: 'string' },
    recordId: { type: 'string' },
    eventId: { type: 'integer' },
    messageId: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'array', items: { type: 'string' } },
    cc: { type: 'array', items: { type: 'string' } },
    subject: { type: 'string' },
    body: { type: 'string' },
  },
  additionalProperties: false,
} as const;

export interface EmailFilters {
  module?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  subject?: string | undefined;
  body?: string | undefined;
}

const has = (value: unknown, part: string | undefined) =>
  !part ||
  String(Array.isArray(value) ? value.join(', ') : (value ?? ''))
    .toLowerCase()
    .includes(part.toLowerCase());

export function emailMatches(event: EngineEvent, params: EmailFilters): boolean {
  const { payload } = event;
  return (
    (!params.module || event.module === params.module) &&
    has(payload.from, params.from) &&
    has(payload.to, params.to) &&
    has(payload.subject, params.subject) &&
    has(payload.body, params.body)
  );
}
