import { idParams } from '../../schemas/common.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { similarSolvedCases } from './similar-cases.ts';

/** `GET /api/cases/:id/similar`: resolved cases like this one, best first. */
export const similarCaseRoutes: RoutePlugin = async (app) => {
  app.get(
    '/:id/similar',
    {
      schema: {
        tags: ['records'],
        summary: 'Resolved cases most similar to this one (subject and description), best first',
        params: idParams,
      },
    },
    async (request) => similarSolvedCases(app.db, principalOf(request), request.params.id),
  );
};
