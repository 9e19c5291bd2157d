import { type Settings, settingsPatchSchema } from '../../schemas/settings.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { audit } from './audit.ts';
import { requireAdmin } from './authz.ts';
import { redactSettings } from './settings.ts';

const tags = ['settings'];

export const settingsRoutes: RoutePlugin = async (app) => {
  app.get('/', { schema: { tags, summary: 'Every system setting, stored or default' } }, async () =>
    redactSettings(await app.settings.get()),
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
