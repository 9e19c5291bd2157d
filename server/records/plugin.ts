import type { FastifyInstance } from 'fastify';
import { changelogRoutes } from './changelog-routes.ts';
import { listRoutes } from './lists-routes.ts';
import { recordViewRoutes } from './record-views-routes.ts';
import { recordRoutes } from './records-routes.ts';
import { similarCaseRoutes } from './similar-cases-routes.ts';
import { tagRoutes } from './tags-routes.ts';

/** Records: the records API and bulk actions, changelog, tags, recently viewed, lists. */
export async function recordsPlugin(app: FastifyInstance) {
  await app.register(recordRoutes, { prefix: '/records' });
  await app.register(changelogRoutes, { prefix: '/changelog' });
  await app.register(tagRoutes, { prefix: '/tags' });
  await app.register(recordViewRoutes, { prefix: '/record-views' });
  await app.register(listRoutes, { prefix: '/lists' });
  await app.register(similarCaseRoutes, { prefix: '/cases' });
}
