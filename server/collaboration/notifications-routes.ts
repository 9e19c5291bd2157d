import { idParams, listOf } from '../../schemas/common.ts';
import {
  notificationListQuery,
  notificationPreferencesBody,
  notificationPreferencesResponse,
  notificationResponse,
  unreadCountResponse,
} from '../../schemas/feed.ts';
import { principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import {
  clearNotifications,
  getPreferences,
  listNotifications,
  markRead,
  setPreferences,
  unreadCount,
} from './notifications.ts';

const tags = ['notifications'];

/** The signed-in user's own notifications; nobody, administrators included, sees another's. */
export const notificationRoutes: RoutePlugin = async (app) => {
  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'My notifications, newest first',
        querystring: notificationListQuery,
        response: { 200: listOf(notificationResponse) },
      },
    },
    async (request) => listNotifications(app.db, principalOf(request).id, request.query),
  );

  app.get(
    '/unread-count',
    { schema: { tags, summary: 'How many of mine are unread', response: { 200: unreadCountResponse } } },
    async (request) => ({ unreadCount: await unreadCount(app.db, principalOf(request).id) }),
  );

  app.get(
    '/preferences',
    {
      schema: {
        tags,
        summary: 'My notification choices: copies to my feed, assignment notifications',
        response: { 200: notificationPreferencesResponse },
      },
    },
    async (request) => getPreferences(app.db, principalOf(request).id),
  );

  app.patch(
    '/preferences',
    {
      schema: {
        tags,
        summary: 'Change my notification choices',
        body: notificationPreferencesBody,
        response: { 200: notificationPreferencesResponse },
      },
    },
    async (request) => setPreferences(app.db, principalOf(request).id, request.body),
  );

  app.post(
    '/:id/read',
    {
      schema: { tags, summary: 'Mark one read', params: idParams, response: { 200: unreadCountResponse } },
    },
    async (request) => markRead(app.db, principalOf(request).id, request.params.id),
  );

  app.post(
    '/read-all',
    { schema: { tags, summary: 'Mark all mine read', response: { 200: unreadCountResponse } } },
    async (request) => markRead(app.db, principalOf(request).id),
  );

  app.delete('/:id', { schema: { tags, summary: 'Clear one', params: idParams } }, async (request, reply) => {
    await clearNotifications(app.db, principalOf(request).id, request.params.id);
    return reply.code(204).send();
  });

  app.delete('/', { schema: { tags, summary: 'Clear all mine' } }, async (request, reply) => {
    await clearNotifications(app.db, principalOf(request).id);
    return reply.code(204).send();
  });
};
