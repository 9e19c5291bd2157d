import { listQuery } from '../../schemas/common.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { requireAdmin } from './authz.ts';
import { decodeCursor, toPage } from './pagination.ts';

export const auditRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['audit'],
        summary: 'Administrative actions, newest first (admin)',
        querystring: {
          ...listQuery,
          properties: {
            ...listQuery.properties,
            action: { type: 'string', maxLength: 100 },
            actorId: { type: 'string', format: 'uuid' },
          },
        },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const { limit, cursor, action, actorId } = request.query;
      const after = decodeCursor(cursor, ['integer']);
      let query = app.db
        .selectFrom('auditLog')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (action) query = query.where('action', '=', action);
      if (actorId) query = query.where('actorId', '=', actorId);
      if (after) query = query.where('id', '<', String(after[0]));
      return toPage(await query.execute(), limit, (row) => [row.id]);
    },
  );
};
