import { sql } from 'kysely';
import type { RoutePlugin } from '../plugins/route-plugin.ts';

const status = { type: 'string', enum: ['ok', 'down'] } as const;

/** Public: load balancers and `npm start` users check it without credentials. */
export const healthRoutes: RoutePlugin = async (app) => {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Database and queue status',
        security: [],
        response: {
          200: { type: 'object', properties: { status, database: status, queue: status } },
          503: { type: 'object', properties: { status, database: status, queue: status } },
        },
      },
    },
    async (_request, reply) => {
      const database = await sql`select 1`
        .execute(app.db)
        .then(() => 'ok' as const)
        .catch(() => 'down' as const);
      const queue = app.boss
        ? await app.boss
            .schemaVersion()
            .then((version) => (version === null ? ('down' as const) : ('ok' as const)))
            .catch(() => 'down' as const)
        : 'down';
      const healthy = database === 'ok' && queue === 'ok';
      return reply.code(healthy ? 200 : 503).send({ status: healthy ? 'ok' : 'down', database, queue });
    },
  );
};
