import {
  routingDecisionResponse,
  routingParams,
  routingSettingsBody,
  routingSettingsList,
  routingSettingsResponse,
  routingTestBody,
} from '../../schemas/routing.ts';
import { requireAdmin } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { routeRecord } from './routing.ts';
import {
  getRoutingSettings,
  listRoutingSettings,
  reassignRoutingTargets,
  requireModule,
  saveRoutingSettings,
} from './routing-settings.ts';

const tags = ['routing'];

/** Lead routing and case distribution settings, per module (admin). */
export const routingRoutes: RoutePlugin = async (app) => {
  app.ownership.register('routing', reassignRoutingTargets);

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'Routing settings of every module that has them (admin)',
        response: { 200: routingSettingsList },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return { items: await listRoutingSettings(app.db), nextCursor: null };
    },
  );

  app.get(
    '/:module',
    {
      schema: {
        tags,
        summary: "A module's routing settings and rules (admin)",
        params: routingParams,
        response: { 200: routingSettingsResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return getRoutingSettings(app.db, request.params.module);
    },
  );

  app.put(
    '/:module',
    {
      schema: {
        tags,
        summary: "Replace a module's routing settings and rules (admin)",
        params: routingParams,
        body: routingSettingsBody,
        response: { 200: routingSettingsResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      return saveRoutingSettings(app.db, actorOf(request), request.params.module, request.body);
    },
  );

  app.post(
    '/:module/test',
    {
      schema: {
        tags,
        summary: 'Who would get this record now, even with routing off; takes no turn (admin)',
        params: routingParams,
        body: routingTestBody,
        response: { 200: routingDecisionResponse },
      },
    },
    async (request) => {
      requireAdmin(principalOf(request));
      await requireModule(app.db, request.params.module);
      return routeRecord(app.db, request.params.module, request.body.record, {
        dryRun: true,
        settings: app.settings,
      });
    },
  );
};
