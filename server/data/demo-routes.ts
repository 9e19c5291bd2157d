import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { loadDemoData } from './demo-data.ts';

/** `POST /api/demo-data`: demo accounts, contacts and opportunities for an empty install (admin). */
export const demoRoutes: RoutePlugin = async (app) => {
  app.post(
    '/',
    {
      schema: {
        tags: ['data'],
        summary:
          'Load demo accounts, contacts and opportunities into an install that has none (admin); 409 when it has some',
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      requireAdmin(principal);
      return reply.code(201).send(await loadDemoData(app.db, principal, actorOf(request)));
    },
  );
};
