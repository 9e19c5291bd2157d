import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';

const addressField = (title: string, description: string) =>
  ({ type: 'string', maxLength: 2000, title, description }) as const;

const params = {
  type: 'object',
  properties: {
    to: addressField('To', "Comma-separated addresses, may be templates; empty: the current record's email"),
    cc: addressField('Cc', 'Comma-separated addresses'),
    bcc: addressField('Bcc', 'Comma-separated addresses'),
    subject: {
      type: 'string',
      minLength: 1,
      maxLength: 998,
      title: 'Subject',
      description: 'e.g. Welcome, {{record.firstName}}',
    },
    body: { type: 'string', maxLength: 200_000, title: 'Text body' },
    html: { type: 'string', maxLength: 500_000, title: 'HTML body' },
    templateId: {
      type: 'string',
      format: 'uuid',
      'x-weft-ref': 'emailTemplate',
      title: 'Template',
      description:
        'An email template, rendered for the current record (its subject and bodies replace the ones above)',
    },
    from: {
      type: 'string',
      enum: ['system', 'owner', 'flowUser', 'account', 'notification'],
      default: 'system',
      title: 'From',
      description:
        "system: the system sender; owner: the record's owner's own email account; flowUser: the flow's acting user's account; account: the account chosen below; notification: the notification sender of the settings. A user without an account sends from the system sender.",
      'x-weft-choices': [
        'The system sender',
        "The record owner's own account",
        "The flow's acting user's own account",
        'A chosen account',
        'The notification sender (settings)',
      ],
    },
    accountId: {
      type: 'string',
      format: 'uuid',
      'x-weft-ref': 'emailAccount',
      title: 'Account',
      description: 'The sending account, when From is "A chosen account"',
    },
    signature: {
      type: 'boolean',
      default: true,
      title: "Append the sender's signature",
    },
  },
  anyOf: [{ required: ['subject', 'body'] }, { required: ['subject', 'html'] }, { required: ['templateId'] }],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    messageId: { type: 'string', description: 'The Message-ID header' },
    status: {
      type: 'string',
      enum: ['queued', 'stored'],
      description: 'queued: handed to delivery; stored: kept in the outbox (no SMTP server configured)',
    },
    skipped: { type: 'string', enum: ['doNotEmail'], description: 'Set when nothing was sent' },
    reason: { type: 'string', description: 'Why nothing was sent' },
  },
  additionalProperties: false,
} as const;

const textOf = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);

/**
 * X2FlowEmail / X2FlowRecordEmail: an email through the outbox, written in the step's
 * transaction (so a step that rolls back sends nothing) and delivered after it commits.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'email.send',
  title: 'Send email',
  category: 'Email',
  description:
    'Honours "do not email": a record that asked not to be emailed is skipped, and the step says so.',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const record = (ctx.record ?? {}) as {
      module?: unknown;
      id?: unknown;
      email?: unknown;
      doNotEmail?: unknown;
    };
    const recordEmail = textOf(record.email);
    const services = servicesOf(ctx);
    const template = input.templateId
      ? await services.marketing.renderTemplate(
          input.templateId,
          ctx.record as Record<string, unknown> | null,
        )
      : null;
    if (input.templateId && !template)
      throw new NonRetriableError(`templateId ${input.templateId} is not a template`);
    if (template?.unsubscribed) return { skipped: 'doNotEmail', reason: template.unsubscribed };
    if (input.from === 'account' && !input.accountId)
      throw new NonRetriableError('accountId is required when From is "A chosen account"');
    const owner = (ctx.record as { assignedTo?: unknown } | null)?.assignedTo;
    const from =
      input.from === 'owner'
        ? { user: typeof owner === 'string' && owner !== '' ? owner : null }
        : input.from === 'flowUser'
          ? ({ flowUser: true } as const)
          : input.from === 'account' && input.accountId
            ? { account: input.accountId }
            : input.from === 'notification'
              ? ({ role: 'notification' } as const)
              : undefined;
    return services.email.send({
      to: textOf(input.to?.trim()) ?? recordEmail ?? '',
      cc: textOf(input.cc),
      bcc: textOf(input.bcc),
      subject: template?.subject ?? input.subject ?? '',
      text: template ? (template.text ?? undefined) : textOf(input.body),
      html: template ? (template.html ?? undefined) : textOf(input.html),
      module: typeof record.module === 'string' ? record.module : null,
      recordId: typeof record.id === 'string' ? record.id : null,
      doNotEmail: record.doNotEmail === true ? (recordEmail ?? null) : null,
      idempotencyKey: ctx.idempotencyKey,
      from,
      sign: input.signature !== false,
      ...(template?.headers && { headers: template.headers }),
    });
  },
});
