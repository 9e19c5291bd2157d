import type { PgBoss } from 'pg-boss';
import type { EngineServices } from '../../engine/runtime/services.ts';
import type { Db } from '../db/index.ts';
import { SettingsService } from '../platform/settings.ts';
import { launchCampaign } from './campaigns.ts';
import { trackMail } from './compose.ts';
import { signingKey } from './keys.ts';
import { addSubscribers } from './newsletters.ts';
import { sendSms } from './sms.ts';
import { renderTemplate } from './templates.ts';
import { earlierEmailOpened } from './tracking.ts';
import { pushWebContent } from './web.ts';

/**
 * What flows' marketing actions may do (engine/runtime/services.ts `marketing`), bound to
 * the step's transaction. server/automation/engine-services.ts hands these to the engine.
 */
export function marketingServices(
  db: Db,
  deps: { boss: PgBoss | null; user: Record<string, unknown> | null; testRun: boolean },
): EngineServices['marketing'] {
  const settings = () => new SettingsService(db).get();
  return {
    renderTemplate: async (templateId, record) => {
      const template = await db
        .selectFrom('emailTemplates')
        .selectAll()
        .where('id', '=', templateId)
        .executeTakeFirst();
      if (!template) return null;
      const rendered = renderTemplate(template, { record, user: deps.user, now: new Date() });
      const config = await settings();
      const address = typeof record?.email === 'string' ? record.email.trim().toLowerCase() : '';
      const recordId = typeof record?.id === 'string' ? record.id : null;
      // Marketing mail honours per-category unsubscribes (all-email ones are the outbox's check).
      if (config.respectDoNotEmail && address && template.category) {
        const left = await db
          .selectFrom('emailUnsubscribes')
          .select('category')
          .where('address', '=', address)
          .where('category', 'in', [template.category, '*'])
          .executeTakeFirst();
        if (left)
          return {
            ...rendered,
            category: template.category,
            unsubscribed: `${address} unsubscribed from ${left.category === '*' ? 'all email' : `“${template.category}”`}, and the respectDoNotEmail setting is on`,
          };
      }
      // Tracked like campaign mail (opens, clicks, unsubscribe link), so that "email opened"
      // hears it and the record's log shows what came back; the row commits with the step.
      if (!config.trackingBaseUrl || !address || !recordId || deps.testRun)
        return { ...rendered, category: template.category };
      const message = await db
        .insertInto('marketingMessages')
        .values({
          templateId,
          category: template.category,
          module: typeof record?.module === 'string' ? record.module : null,
          recordId,
          address,
          state: 'sent',
          subject: rendered.subject,
          links: '[]',
          sentAt: new Date(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // A template with a category is marketing mail: an unsubscribe link (by category) and the
      // one-click List-Unsubscribe headers (RFC 8058). Without one it is a rep's own mail:
      // tracked, with neither. The signature is the sender's, appended by the outbox (email.send).
      const marketing = Boolean(template.category);
      const tracked = trackMail(await signingKey(db), config.trackingBaseUrl, message.id, rendered, {
        unsubscribeText: config.unsubscribeLinkText,
        unsubscribe: marketing,
      });
      await db
        .updateTable('marketingMessages')
        .set({ links: JSON.stringify(tracked.links) })
        .where('id', '=', message.id)
        .execute();
      return {
        subject: rendered.subject,
        html: tracked.html,
        text: tracked.text,
        category: template.category,
        ...(marketing && { headers: tracked.headers }),
      };
    },
    addToNewsletter: async (newsletterId, module, recordId) => {
      const { added } = await addSubscribers(db, newsletterId, [{ module, recordId }]);
      return { added: added > 0 };
    },
    launchCampaign: async (campaignId) => {
      const launched = await launchCampaign(
        db,
        deps.testRun ? null : deps.boss,
        await settings(),
        campaignId,
      );
      return { status: launched.status, queued: launched.summary.queued };
    },
    earlierEmailOpened: (query) => earlierEmailOpened(db, query),
    sendSms: async (message) => {
      if (deps.testRun) return { id: '', status: 'test', providerId: null };
      return sendSms(db, await settings(), message);
    },
    pushWebContent: (requestId, content) => pushWebContent(db, requestId, content),
  };
}
