import { type Settings, settingsPatchSchema } from '../../schemas/settings.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { audit } from './audit.ts';
import { requireAdmin } from './authz.ts';
import { redactSettings } from './settings.ts';

const tags = ['settings'];

/**
 * What a non-admin reads: what the app needs to show itself and keep a session. SMTP, the HTTP
 * allow-list, login thresholds and the rest tell an attacker where to aim, so they are the admins'.
 */
export const publicSettingKeys = ['appName', 'logoUrl', 'sessionTimeoutMinutes'] as const;

export const settingsRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary:
          'Every system setting, stored or default (admins); others read appName, logoUrl and sessionTimeoutMinutes',
      },
    },
    async (request) => {
      const settings = redactSettings(await app.settings.get());
      if (principalOf(request).isAdmin) return settings;
      return Object.fromEntries(publicSettingKeys.map((key) => [key, settings[key]]));
    },
  );

  app.patch(
    '/',
    { schema: { tags, summary: 'Change settings (admin)', body: settingsPatchSchema } },
    async (request) => {
      requireAdmin(principalOf(request));
      const patch = request.body as Partial<Settings>;
      const settings = await app.db.transaction().execute(async (trx) => {
        const updated = await app.settings.update(trx, patch);
        await audit(trx, actorOf(request), 'settings.update', null, redactSettings(patch));
        return updated;
      });
      // Again after the commit: a read between update() and the commit may have cached the old values.
      app.settings.forget();
      return redactSettings(settings);
    },
  );
};
