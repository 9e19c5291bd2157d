import { type Settings, settingsPatchSchema } from '../../schemas/settings.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import { audit } from '../services/audit.ts';
import { requireAdmin } from '../services/authz.ts';
import { redactSettings } from '../services/settings.ts';
import type { RoutePlugin } from './route-plugin.ts';

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
      return app.db.transaction().execute(async (trx) => {
        const settings = await app.settings.update(trx, patch);
        await audit(trx, actorOf(request), 'settings.update', null, redactSettings(patch));
        return redactSettings(settings);
      });
    },
  );
};
