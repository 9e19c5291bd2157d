import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { requireAdmin } from './authz.ts';
import { branding, logo, maxLogoBytes, removeLogo, setLogo } from './branding.ts';

const tags = ['settings'];
const imageTypes = [
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/svg+xml',
  'application/octet-stream',
];

/** The app's name, logo and theme: public (the sign-in page shows them); the logo set by admins. */
export const brandingRoutes: RoutePlugin = async (app) => {
  app.addContentTypeParser(
    imageTypes,
    { parseAs: 'buffer', bodyLimit: maxLogoBytes * 2 },
    (_request, body, done) => done(null, body),
  );

  app.get(
    '/',
    { config: { public: true }, schema: { tags, summary: 'App name, logo URL and default theme (public)' } },
    async () => branding(app.db, app.settings),
  );

  app.get(
    '/logo',
    { config: { public: true }, schema: { tags, summary: 'The uploaded logo (public)' } },
    async (_request, reply) => {
      const image = await logo(app.db);
      return reply
        .header('content-type', image.contentType)
        .header('cache-control', 'public, max-age=86400')
        .header('x-content-type-options', 'nosniff')
        .send(image.data);
    },
  );

  app.put(
    '/logo',
    {
      schema: {
        tags,
        summary: `Upload the logo: PNG, JPEG, GIF or WebP, at most ${maxLogoBytes / 1024} KB (admin)`,
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      await setLogo(app.db, actorOf(request), request.headers['content-type']?.split(';')[0], body);
      return branding(app.db, app.settings);
    },
  );

  app.delete('/logo', { schema: { tags, summary: 'Remove the logo (admin)' } }, async (request, reply) => {
    requireAdmin(principalOf(request));
    await removeLogo(app.db, actorOf(request));
    return reply.code(204).send();
  });
};
