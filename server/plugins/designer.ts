/**
 * The designer SPA (designer/dist, built by `npm run build`, which `npm install` runs):
 * hashed assets cached for good, any other non-API GET answered with index.html so the
 * SPA's own paths survive a reload. Public: these files hold no data, the API checks access.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../platform/errors.ts';

export const designerDist = path.join(import.meta.dirname, '../../designer/dist');

const notBuilt = `Weft's designer is not built yet.

Build it with:  npm run build   (npm install runs it too)
then reload this page. The API is served under /api (docs at /api/docs).
`;

export async function designerPlugin(app: FastifyInstance, options: { root?: string } = {}) {
  const root = options.root ?? designerDist;
  await app.register(fastifyStatic, { root, serve: false });
  app.get('/*', { config: { public: true }, schema: { hide: true } }, async (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (url === '/api' || url.startsWith('/api/')) throw notFound(`Route GET ${url}`);
    if (!existsSync(path.join(root, 'index.html'))) return reply.type('text/plain').send(notBuilt);
    // Fastify has already refused a path that does not decode.
    const file = path.posix.normalize(decodeURIComponent(url)).replace(/^\/+/, '');
    // A missing asset is a 404, never index.html: a browser must not run HTML as a script.
    if (file.startsWith('assets/')) {
      if (!existsSync(path.join(root, file))) throw notFound(`File ${url}`);
      return reply.sendFile(file, { immutable: true, maxAge: '1y' });
    }
    return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
  });
}
