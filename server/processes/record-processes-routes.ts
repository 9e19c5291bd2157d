import { uuid } from '../../schemas/common.ts';
import { moduleName } from '../../schemas/modules.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { recordProcesses } from './progress.ts';

const params = {
  type: 'object',
  properties: { module: moduleName, id: uuid },
  required: ['module', 'id'],
  additionalProperties: false,
} as const;

/**
 * The record page's process widget: every process of the record's module with its progress,
 * and the settings' rules the caller is held to (backdate window and range, reassignment).
 */
export const recordProcessRoutes: RoutePlugin = async (app) => {
  app.get(
    '/:module/:id/processes',
    { schema: { tags: ['processes'], summary: "A record's progress in each process of its module", params } },
    async (request) =>
      recordProcesses(
        app.db,
        principalOf(request),
        request.params.module,
        request.params.id,
        await app.settings.get(),
      ),
  );
};
