import { catalog } from '../../engine/nodes/index.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';

/** The catalogue the designer's palette is drawn from: one entry per node type. */
export const nodeRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags: ['flows'],
        summary: 'Trigger, control and action types with their params and output schemas',
      },
    },
    async () => ({
      items: catalog.list().map((definition) => ({
        type: definition.type,
        kind: definition.kind,
        title: definition.title,
        category: definition.category,
        description: definition.description ?? null,
        params: definition.params,
        output: definition.output,
        ...('role' in definition && { role: definition.role }),
        ...(definition.kind === 'action' && { retry: definition.retry ?? null }),
      })),
      nextCursor: null,
    }),
  );
};
