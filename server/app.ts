import { randomUUID } from 'node:crypto';
import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import Fastify, { type FastifyServerOptions, LogController, type RouteOptions } from 'fastify';
import type { PgBoss } from 'pg-boss';
import type { FlowRuntime } from '../engine/runtime/runtime.ts';
import { adminPlugin } from './admin/plugin.ts';
import { createRuntime } from './automation/engine.ts';
import { runFlowOn } from './automation/flow-runs.ts';
import { automationPlugin } from './automation/plugin.ts';
import { collaborationPlugin } from './collaboration/plugin.ts';
import { dataPlugin } from './data/plugin.ts';
import type { Db } from './db/index.ts';
import { emailPlugin } from './email/plugin.ts';
import { formsPlugin } from './forms/plugin.ts';
import { hooksPlugin } from './hooks/plugin.ts';
import { OwnershipRegistry } from './identity/ownership.ts';
import { identityPlugin } from './identity/plugin.ts';
import { inboundMailPlugin } from './inbound-mail/plugin.ts';
import { marketingPlugin } from './marketing/plugin.ts';
import { platformPlugin } from './platform/plugin.ts';
import { SettingsService } from './platform/settings.ts';
import { authPlugin } from './plugins/auth.ts';
import { designerPlugin } from './plugins/designer.ts';
import { clientErrorHandler, errorsPlugin, frameworkErrors } from './plugins/errors.ts';
import { nulGuardPlugin } from './plugins/nul-guard.ts';
import { websocketPlugin } from './plugins/websocket.ts';
import { processesPlugin } from './processes/plugin.ts';
import { recordsPlugin } from './records/plugin.ts';
import type { FlowRunner } from './records/record-bulk.ts';
import { routingPlugin } from './routing/plugin.ts';
import { searchPlugin } from './search/plugin.ts';
import { studioPlugin } from './studio/plugin.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    boss: PgBoss | null;
    /** The workflow runtime, when this process has a queue (runs can be started and steered). */
    runtime: FlowRuntime | null;
    /** Starts a published flow on records (bulk actions' runFlow); null without a queue. */
    runFlowOn: FlowRunner | null;
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
    // Fastify's two info lines per request drown start-up, warnings and errors: one line, at debug.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    },
    routerOptions: { ignoreTrailingSlash: true },
    // Refusals before routing and Node's own parser errors leave in the one error shape too.
    frameworkErrors,
    clientErrorHandler,
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
  const runtime = app.runtime;
  const flowRunner: FlowRunner | null = runtime
    ? async (principal, flowId, ids) => (await runFlowOn(runtime, principal, flowId, ids)).length
    : null;
  app.decorate('runFlowOn', flowRunner);
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
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'request',
    );
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
      // One encapsulated plugin per feature; each registers its own routes (server/<feature>/plugin.ts).
      await api.register(platformPlugin);
      await api.register(identityPlugin);
      await api.register(studioPlugin);
      await api.register(recordsPlugin);
      await api.register(collaborationPlugin);
      await api.register(processesPlugin);
      await api.register(routingPlugin);
      await api.register(emailPlugin);
      await api.register(dataPlugin);
      await api.register(formsPlugin);
      await api.register(hooksPlugin);
      await api.register(inboundMailPlugin);
      await api.register(adminPlugin);
      await api.register(marketingPlugin);
      await api.register(searchPlugin);
      await api.register(automationPlugin);
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
