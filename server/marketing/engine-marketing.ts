import type { PgBoss } from 'pg-boss';
import type { EngineServices } from '../../engine/runtime/services.ts';
import type { Db } from '../db/index.ts';
import { SettingsService } from '../platform/settings.ts';
import { launchCampaign } from './campaigns.ts';
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
      return {
        ...renderTemplate(template, { record, user: deps.user, now: new Date() }),
        category: template.category,
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
