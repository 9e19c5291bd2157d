import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { search } from './search.ts';

const searchQuery = {
  type: 'object',
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 200 },
    limit: { type: 'integer', minimum: 1, maximum: 20, default: 5 },
  },
  required: ['q'],
  additionalProperties: false,
} as const;

/** `GET /api/search?q=`: records of every module I may view, and flows for administrators. */
export const searchRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['search'],
        summary:
          'Search records of every module the user may view (by their searchable fields) and, for administrators, flows by name; at most `limit` per module',
        querystring: searchQuery,
      },
    },
    async (request) => ({
      items: await search(app.db, principalOf(request), request.query.q, request.query.limit),
    }),
  );
};
