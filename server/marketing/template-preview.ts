import { randomUUID } from 'node:crypto';
import type { Settings } from '../../schemas/settings.ts';
import type { Db } from '../db/index.ts';
import { parseAddressList, smtpFailure } from '../email/email-transport.ts';
import type { Principal } from '../platform/authz.ts';
import { invalidFields, WeftError } from '../platform/errors.ts';
import { getRecord } from '../records/records.ts';
import { recordsDb } from '../studio/fields.ts';
import { getModule } from '../studio/modules.ts';
import { pooledTransport, senderFor } from './accounts.ts';
import { checkTemplate, renderTemplate } from './templates.ts';

/** A sample record for the preview: the one asked for, else the module's newest the caller may see. */
async function sampleRecord(db: Db, principal: Principal, moduleName: string, recordId?: string) {
  const module = await getModule(db, moduleName);
  const id =
    recordId ??
    ((
      await recordsDb(db)
        .selectFrom(module.table)
        .select('id')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst()
    )?.id as string | undefined);
  if (!id) return null;
  return { ...(await getRecord(db, principal, moduleName, id)), module: moduleName };
}

export interface Draft {
  module?: string | undefined;
  category?: string | null | undefined;
  subject: string;
  html?: string | null | undefined;
  text?: string | null | undefined;
  recordId?: string | undefined;
}

/** The template's problems, and when it has none, how it reads for a sample record. */
export async function previewTemplate(db: Db, principal: Principal, draft: Draft) {
  const module = draft.module ?? 'contacts';
  const problems = await checkTemplate(db, { ...draft, module });
  if (problems.length > 0) return { problems, record: null, rendered: null };
  const record = await sampleRecord(db, principal, module, draft.recordId);
  const user = await db
    .selectFrom('users')
    .select(['id', 'username', 'firstName', 'lastName', 'email', 'title', 'phone'])
    .where('id', '=', principal.id)
    .executeTakeFirst();
  const rendered = renderTemplate(
    { subject: draft.subject, html: draft.html ?? null, text: draft.text ?? null },
    { record, user: user ?? null, now: new Date() },
  );
  return {
    problems,
    record: record ? { id: String((record as { id?: unknown }).id), module } : null,
    rendered,
  };
}

/** Sends the rendered template to one address now (no tracking); a refusal is a 422 quoting the server. */
export async function sendTemplateTest(
  db: Db,
  principal: Principal,
  settings: Settings,
  draft: Draft,
  to: string,
  accountId: string | null,
) {
  const recipients = parseAddressList('to', to);
  const preview = await previewTemplate(db, principal, draft);
  if (!preview.rendered) throw invalidFields(preview.problems);
  const sender = await senderFor(db, settings, accountId);
  if (!sender.smtp)
    throw new WeftError(
      'UNPROCESSABLE',
      'no SMTP server is configured: set one in the settings or pick an account',
    );
  const transport = pooledTransport(sender.smtp, 1);
  try {
    const info = await transport.sendMail({
      messageId: `<test-${randomUUID()}@${sender.from.address.split('@')[1] ?? 'weft'}>`,
      from: sender.from.name ? { name: sender.from.name, address: sender.from.address } : sender.from.address,
      to: recipients,
      subject: `[Test] ${preview.rendered.subject}`,
      ...(preview.rendered.text !== null && { text: preview.rendered.text }),
      ...(preview.rendered.html !== null && {
        html: preview.rendered.html + (sender.signature ? `<div>${sender.signature}</div>` : ''),
      }),
    });
    return { sent: true, response: String(info.response ?? '') };
  } catch (error) {
    const problem = smtpFailure(error);
    throw new WeftError(
      'UNPROCESSABLE',
      `the SMTP server at ${sender.smtp.host}:${sender.smtp.port} did not take the message: ${problem.message}`,
    );
  } finally {
    transport.close();
  }
}
