import { listOf, uuid } from '../../schemas/common.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { onlineUsers } from './presence.ts';

const onlineUser = {
  type: 'object',
  properties: {
    id: uuid,
    username: { type: 'string' },
    firstName: { type: 'string' },
    lastName: { type: 'string' },
  },
  required: ['id', 'username', 'firstName', 'lastName'],
  additionalProperties: false,
} as const;

/** Who is online: signed in (a session used, or a WebSocket open, within the idle timeout) and not invisible. */
export const presenceRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    { schema: { tags: ['live'], summary: 'The users online', response: { 200: listOf(onlineUser) } } },
    async () => ({ items: await onlineUsers(app.db, app.settings), nextCursor: null }),
  );
};
