import { idParams } from '../../schemas/common.ts';
import {
  accountBody,
  accountPatchBody,
  activityQuery,
  campaignBody,
  campaignPatchBody,
  launchBody,
  newsletterBody,
  recipientsQuery,
  recordParams,
  subscribersBody,
  templateBody,
  templateDraftBody,
  templatePatchBody,
  templateTestBody,
} from '../../schemas/marketing.ts';
import { audit } from '../platform/audit.ts';
import { type Principal, requireScope } from '../platform/authz.ts';
import { actorOf, principalOf } from '../plugins/auth.ts';
import type { RoutePlugin } from '../plugins/route-plugin.ts';
import { getRecord } from '../records/records.ts';
import { createAccount, deleteAccount, listAccounts, updateAccount } from './accounts.ts';
import {
  campaignActivity,
  createCampaign,
  getCampaign,
  launchCampaign,
  listCampaigns,
  listRecipients,
  setCampaignPaused,
  updateCampaign,
} from './campaigns.ts';
import {
  addSubscribers,
  createNewsletter,
  deleteNewsletter,
  listNewsletters,
  listSubscribers,
} from './newsletters.ts';
import { previewTemplate, sendTemplateTest } from './template-preview.ts';
import { createTemplate, deleteTemplate, getTemplate, listTemplates, updateTemplate } from './templates.ts';
import { emailsOfRecord } from './tracking.ts';
import { webActivityOf } from './web.ts';

const tags = ['marketing'];

/** Marketing is about contacts: reading it takes viewing contacts, changing it updating them. */
const reader = (principal: Principal) => requireScope(principal, 'contacts', 'view');
const marketer = (principal: Principal) => requireScope(principal, 'contacts', 'update');

export const marketingRoutes: RoutePlugin = async (app) => {
  // Templates
  app.get('/templates', { schema: { tags, summary: 'Email templates' } }, async (request) => {
    reader(principalOf(request));
    return listTemplates(app.db);
  });
  app.post(
    '/templates',
    { schema: { tags, summary: 'Create a template', body: templateBody } },
    async (request, reply) => {
      marketer(principalOf(request));
      return reply.code(201).send(await createTemplate(app.db, principalOf(request).id, request.body));
    },
  );
  app.get(
    '/templates/:id',
    { schema: { tags, summary: 'One template', params: idParams } },
    async (request) => {
      reader(principalOf(request));
      return getTemplate(app.db, request.params.id);
    },
  );
  app.patch(
    '/templates/:id',
    { schema: { tags, summary: 'Change a template', params: idParams, body: templatePatchBody } },
    async (request) => {
      marketer(principalOf(request));
      return updateTemplate(app.db, request.params.id, request.body);
    },
  );
  app.delete(
    '/templates/:id',
    { schema: { tags, summary: 'Delete a template', params: idParams } },
    async (request, reply) => {
      marketer(principalOf(request));
      await deleteTemplate(app.db, request.params.id);
      return reply.code(204).send();
    },
  );
  app.post(
    '/templates/preview',
    {
      schema: {
        tags,
        summary:
          "A draft template's problems (checked against the module's fields) and how it reads for a sample record",
        body: templateDraftBody,
      },
    },
    async (request) => {
      reader(principalOf(request));
      return previewTemplate(app.db, principalOf(request), request.body);
    },
  );
  app.post(
    '/templates/test',
    {
      schema: {
        tags,
        summary: 'Send a draft template, rendered for a sample record, to one address now',
        body: {
          ...templateDraftBody,
          properties: { ...templateDraftBody.properties, ...templateTestBody.properties },
          required: ['subject', 'to'],
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      marketer(principal);
      const { to, accountId, ...draft } = request.body;
      return sendTemplateTest(app.db, principal, await app.settings.get(), draft, to, accountId ?? null);
    },
  );

  // Sending accounts
  app.get(
    '/accounts',
    { schema: { tags, summary: 'Sending accounts: shared ones and mine (all, for admins)' } },
    async (request) => listAccounts(app.db, principalOf(request)),
  );
  app.post(
    '/accounts',
    { schema: { tags, summary: 'Add a sending account', body: accountBody } },
    async (request, reply) => {
      const account = await createAccount(app.db, principalOf(request), request.body);
      await audit(
        app.db,
        actorOf(request),
        'marketing.account.create',
        { type: 'emailAccount', id: account.id },
        { host: account.host },
      );
      return reply.code(201).send(account);
    },
  );
  app.patch(
    '/accounts/:id',
    { schema: { tags, summary: 'Change a sending account', params: idParams, body: accountPatchBody } },
    async (request) => {
      const account = await updateAccount(app.db, principalOf(request), request.params.id, request.body);
      await audit(
        app.db,
        actorOf(request),
        'marketing.account.update',
        { type: 'emailAccount', id: account.id },
        {
          fields: Object.keys(request.body).filter((key) => key !== 'password'),
          passwordChanged: 'password' in request.body,
        },
      );
      return account;
    },
  );
  app.delete(
    '/accounts/:id',
    { schema: { tags, summary: 'Remove a sending account', params: idParams } },
    async (request, reply) => {
      await deleteAccount(app.db, principalOf(request), request.params.id);
      await audit(
        app.db,
        actorOf(request),
        'marketing.account.delete',
        { type: 'emailAccount', id: request.params.id },
        {},
      );
      return reply.code(204).send();
    },
  );

  // Campaigns
  app.get('/campaigns', { schema: { tags, summary: 'Campaigns, newest first' } }, async (request) => {
    reader(principalOf(request));
    return listCampaigns(app.db);
  });
  app.post(
    '/campaigns',
    { schema: { tags, summary: 'Create a campaign (a draft)', body: campaignBody } },
    async (request, reply) => {
      marketer(principalOf(request));
      return reply.code(201).send(await createCampaign(app.db, principalOf(request).id, request.body));
    },
  );
  app.get(
    '/campaigns/:id',
    { schema: { tags, summary: 'One campaign with its progress', params: idParams } },
    async (request) => {
      reader(principalOf(request));
      return getCampaign(app.db, request.params.id);
    },
  );
  app.patch(
    '/campaigns/:id',
    { schema: { tags, summary: 'Change a draft campaign', params: idParams, body: campaignPatchBody } },
    async (request) => {
      marketer(principalOf(request));
      return updateCampaign(app.db, request.params.id, request.body);
    },
  );
  app.post(
    '/campaigns/:id/launch',
    {
      schema: {
        tags,
        summary: 'Launch a draft campaign now or at a time',
        params: idParams,
        body: launchBody,
      },
    },
    async (request) => {
      marketer(principalOf(request));
      const launched = await launchCampaign(app.db, app.boss, await app.settings.get(), request.params.id, {
        at: request.body?.at ?? null,
      });
      await audit(
        app.db,
        actorOf(request),
        'marketing.campaign.launch',
        { type: 'campaign', id: request.params.id },
        { ...launched.summary },
      );
      return launched;
    },
  );
  app.post(
    '/campaigns/:id/pause',
    { schema: { tags, summary: 'Pause delivery', params: idParams } },
    async (request) => {
      marketer(principalOf(request));
      return setCampaignPaused(app.db, app.boss, request.params.id, true);
    },
  );
  app.post(
    '/campaigns/:id/resume',
    { schema: { tags, summary: 'Resume delivery', params: idParams } },
    async (request) => {
      marketer(principalOf(request));
      return setCampaignPaused(app.db, app.boss, request.params.id, false);
    },
  );
  app.get(
    '/campaigns/:id/recipients',
    {
      schema: {
        tags,
        summary: "A campaign's recipients and their states",
        params: idParams,
        querystring: recipientsQuery,
      },
    },
    async (request) => {
      reader(principalOf(request));
      return listRecipients(app.db, request.params.id, request.query);
    },
  );
  app.get(
    '/campaigns/:id/activity',
    {
      schema: {
        tags,
        summary: 'Opens, clicks, unsubscribes and bounces over time',
        params: idParams,
        querystring: activityQuery,
      },
    },
    async (request) => {
      reader(principalOf(request));
      return campaignActivity(app.db, request.params.id, request.query.bucket);
    },
  );

  // Newsletters
  app.get(
    '/newsletters',
    { schema: { tags, summary: 'Newsletters with their subscriber counts' } },
    async (request) => {
      reader(principalOf(request));
      return listNewsletters(app.db);
    },
  );
  app.post(
    '/newsletters',
    { schema: { tags, summary: 'Create a newsletter', body: newsletterBody } },
    async (request, reply) => {
      marketer(principalOf(request));
      return reply.code(201).send(await createNewsletter(app.db, request.body));
    },
  );
  app.delete(
    '/newsletters/:id',
    { schema: { tags, summary: 'Delete a newsletter', params: idParams } },
    async (request, reply) => {
      marketer(principalOf(request));
      await deleteNewsletter(app.db, request.params.id);
      return reply.code(204).send();
    },
  );
  app.get(
    '/newsletters/:id/subscribers',
    { schema: { tags, summary: 'Subscribers', params: idParams } },
    async (request) => {
      reader(principalOf(request));
      return listSubscribers(app.db, request.params.id);
    },
  );
  app.post(
    '/newsletters/:id/subscribers',
    { schema: { tags, summary: 'Add records or bare addresses', params: idParams, body: subscribersBody } },
    async (request) => {
      marketer(principalOf(request));
      return addSubscribers(app.db, request.params.id, request.body.subscribers);
    },
  );

  // A record's email log
  app.get(
    '/records/:module/:id/emails',
    {
      schema: {
        tags,
        summary: 'Marketing email sent about a record, with its tracking state',
        params: recordParams,
      },
    },
    async (request) => {
      // A 404 unless the caller may see the record.
      await getRecord(app.db, principalOf(request), request.params.module, request.params.id);
      return emailsOfRecord(app.db, request.params.module, request.params.id);
    },
  );

  // A record's page views on the customer's website (web tracker)
  app.get(
    '/records/:module/:id/web-activity',
    {
      schema: {
        tags,
        summary: "A record's page views on your website (the web tracker), newest first",
        params: recordParams,
      },
    },
    async (request) => {
      // A 404 unless the caller may see the record.
      await getRecord(app.db, principalOf(request), request.params.module, request.params.id);
      return webActivityOf(app.db, request.params.module, request.params.id);
    },
  );
};
