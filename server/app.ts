import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyServerOptions, type RouteOptions } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { FlowRuntime } from '../engine/runtime/runtime.ts';
import type { Db } from './db/index.ts';
import { createRuntime } from './engine.ts';
import { authPlugin } from './plugins/auth.ts';
import { errorsPlugin } from './plugins/errors.ts';
import { nulGuardPlugin } from './plugins/nul-guard.ts';
import { websocketPlugin } from './plugins/websocket.ts';
import { auditRoutes } from './routes/audit.ts';
import { authRoutes } from './routes/auth.ts';
import { changelogRoutes } from './routes/changelog.ts';
import { dropdownRoutes } from './routes/dropdowns.ts';
import { emailRoutes } from './routes/email.ts';
import { exportRoutes } from './routes/exports.ts';
import { feedRoutes } from './routes/feed.ts';
import { flowRoutes, runRoutes } from './routes/flows.ts';
import { groupRoutes } from './routes/groups.ts';
import { healthRoutes } from './routes/health.ts';
import { hookRoutes } from './routes/hooks.ts';
import { importRoutes } from './routes/imports.ts';
import { invitationRoutes } from './routes/invitations.ts';
import { layoutRoutes } from './routes/layouts.ts';
import { listRoutes } from './routes/lists.ts';
import { meRoutes } from './routes/me.ts';
import { moduleRoutes } from './routes/modules.ts';
import { nodeRoutes } from './routes/nodes.ts';
import { notificationRoutes } from './routes/notifications.ts';
import { presenceRoutes } from './routes/presence.ts';
import { recordViewRoutes } from './routes/record-views.ts';
import { recordRoutes } from './routes/records.ts';
import { roleRoutes } from './routes/roles.ts';
import { routingRoutes } from './routes/routing.ts';
import { settingsRoutes } from './routes/settings.ts';
import { tagRoutes } from './routes/tags.ts';
import { userRoutes } from './routes/users.ts';
import { wsRoutes } from './routes/ws.ts';
import { OwnershipRegistry } from './services/ownership.ts';
import { SettingsService } from './services/settings.ts';
import { designerPlugin } from './static.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    boss: PgBoss | null;
    /** The workflow runtime, when this process has a queue (runs can be started and steered). */
    runtime: FlowRuntime | null;
    settings: SettingsService;
    ownership: OwnershipRegistry;
    /** Every route registered, for the route-security test and the docs. */
    registeredRoutes: RouteOptions[];
  }
}

export interface AppOptions {
  db: Db;
  boss?: PgBoss | null;
  logger?: FastifyServerOptions['logger'];
  bodyLimit?: number;
  /** The database's URL, for the LISTEN connection of live push (plugins/websocket.ts). */
  databaseUrl?: string;
}

/** Bodies are never coerced (a string is not a number); query strings and params are. */
function validatorFor(part: string) {
  const options = {
    allErrors: true,
    removeAdditional: false,
    useDefaults: true,
    strict: false,
    // Bodies that are a union on one property (a bulk action) are checked against their own variant only.
    discriminator: true,
  } as const;
  const ajv = new Ajv(
    part === 'body' ? { ...options, coerceTypes: false } : { ...options, coerceTypes: 'array' },
  );
  addFormats.default(ajv);
  return ajv;
}

export async function buildApp(options: AppOptions) {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
  }).withTypeProvider<JsonSchemaToTsProvider>();

  const validators = { body: validatorFor('body'), other: validatorFor('other') };
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? validators.body : validators.other).compile(schema),
  );

  app.decorate('db', options.db);
  app.decorate('boss', options.boss ?? null);
  app.decorate(
    'runtime',
    options.boss ? createRuntime(options.db, options.boss, (error) => app.log.error(error)) : null,
  );
  // Steps this process started running inline finish before the database goes away.
  app.addHook('onClose', async () => app.runtime?.pause());
  app.decorate('settings', new SettingsService(options.db));
  app.decorate('ownership', new OwnershipRegistry());
  app.decorate('registeredRoutes', []);
  app.addHook('onRoute', (route) => {
    app.registeredRoutes.push(route);
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(errorsPlugin);
  await app.register(nulGuardPlugin);
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The SPA's forms validate with an interpreter, not compiled code (no 'unsafe-eval':
        // designer/src/model/form-validator.ts); Monaco runs its language services in workers.
        scriptSrc: ["'self'"],
        workerSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        // `npm start` serves plain HTTP on the LAN; upgrading would break every script of the SPA.
        upgradeInsecureRequests: null,
      },
    },
  });
  await app.register(cookie);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Weft API',
        version: '0.1.0',
        description: 'Low-code CRM automation. Errors are `{ error: { code, message, details? } }`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'weft_session' },
          token: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { token: [] }],
    },
  });
  // Before auth: its onRequest hook marks upgrade requests, so that a refused handshake's socket is closed.
  await app.register(websocketPlugin, { databaseUrl: options.databaseUrl });
  await app.register(authPlugin);

  await app.register(
    async (api) => {
      await api.register(healthRoutes);
      await api.register(authRoutes, { prefix: '/auth' });
      await api.register(meRoutes, { prefix: '/me' });
      await api.register(userRoutes, { prefix: '/users' });
      await api.register(invitationRoutes, { prefix: '/invitations' });
      await api.register(groupRoutes, { prefix: '/groups' });
      await api.register(roleRoutes, { prefix: '/roles' });
      await api.register(moduleRoutes, { prefix: '/modules' });
      await api.register(recordRoutes, { prefix: '/records' });
      await api.register(changelogRoutes, { prefix: '/changelog' });
      await api.register(tagRoutes, { prefix: '/tags' });
      await api.register(recordViewRoutes, { prefix: '/record-views' });
      await api.register(listRoutes, { prefix: '/lists' });
      await api.register(settingsRoutes, { prefix: '/settings' });
      await api.register(auditRoutes, { prefix: '/audit' });
      await api.register(feedRoutes, { prefix: '/feed' });
      await api.register(notificationRoutes, { prefix: '/notifications' });
      await api.register(presenceRoutes, { prefix: '/presence' });
      await api.register(wsRoutes);
      await api.register(dropdownRoutes, { prefix: '/dropdowns' });
      await api.register(layoutRoutes, { prefix: '/modules/:module/layouts' });
      await api.register(routingRoutes, { prefix: '/routing' });
      await api.register(emailRoutes, { prefix: '/email' });
      await api.register(importRoutes, { prefix: '/imports' });
      await api.register(exportRoutes, { prefix: '/exports' });
      await api.register(flowRoutes, { prefix: '/flows' });
      await api.register(runRoutes, { prefix: '/runs' });
      await api.register(nodeRoutes, { prefix: '/nodes' });
      await api.register(hookRoutes, { prefix: '/hooks' });
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
    },
    { prefix: '/api' },
  );
  await app.register(designerPlugin);

  await app.ready();
  return app;
}

export type App = Awaited<ReturnType<typeof buildApp>>;
