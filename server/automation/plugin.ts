import type { FastifyInstance } from 'fastify';
import { closeSandboxPool } from './code-sandbox.ts';
import { flowRoutes, runRoutes } from './flows-routes.ts';
import { hookRoutes } from './hooks-routes.ts';
import { macroRoutes } from './macros-routes.ts';
import { nodeRoutes } from './nodes-routes.ts';
import { triggerLogRoutes } from './trigger-log-routes.ts';

/** Automation: flows, runs, the node catalogue and inbound webhooks. */
export async function automationPlugin(app: FastifyInstance) {
  app.addHook('onClose', closeSandboxPool);
  await app.register(flowRoutes, { prefix: '/flows' });
  await app.register(runRoutes, { prefix: '/runs' });
  await app.register(nodeRoutes, { prefix: '/nodes' });
  await app.register(hookRoutes, { prefix: '/hooks' });
  await app.register(macroRoutes, { prefix: '/macros' });
  await app.register(triggerLogRoutes, { prefix: '/trigger-log' });
}
