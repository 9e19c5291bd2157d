import type { FastifyInstance } from 'fastify';
import { authRoutes } from './auth-routes.ts';
import { groupRoutes } from './groups-routes.ts';
import { invitationRoutes } from './invitations-routes.ts';
import { meRoutes } from './me-routes.ts';
import { presenceRoutes } from './presence-routes.ts';
import { roleRoutes } from './roles-routes.ts';
import { userRoutes } from './users-routes.ts';

/** Who is who: sign-in, sessions and tokens, the signed-in user, users, invitations, groups, roles, presence. */
export async function identityPlugin(app: FastifyInstance) {
  await app.register(authRoutes, { prefix: '/auth' });
  await app.register(meRoutes, { prefix: '/me' });
  await app.register(userRoutes, { prefix: '/users' });
  await app.register(invitationRoutes, { prefix: '/invitations' });
  await app.register(groupRoutes, { prefix: '/groups' });
  await app.register(roleRoutes, { prefix: '/roles' });
  await app.register(presenceRoutes, { prefix: '/presence' });
}
