/** A template, a shared sending account and a draft campaign on a static list, named as given. */
import assert from 'node:assert/strict';
import type { Session } from './app.ts';

export async function marketingRefs(
  admin: Session,
  names: { template: string; account: string; campaign: string; category?: string },
) {
  const template = await admin.request('POST', '/api/marketing/templates', {
    name: names.template,
    ...(names.category ? { category: names.category } : {}),
    subject: 'Hello {{record.firstName}}',
    text: 'Hello',
  });
  assert.equal(template.statusCode, 201, template.body);
  const account = await admin.request('POST', '/api/marketing/accounts', {
    name: names.account,
    fromAddress: 'sales@example.com',
    host: '127.0.0.1',
    port: 2525,
    security: 'none',
  });
  assert.equal(account.statusCode, 201, account.body);
  const list = await admin.request('POST', '/api/lists', {
    name: `${names.campaign} list`,
    module: 'contacts',
    kind: 'static',
  });
  assert.equal(list.statusCode, 201, list.body);
  const campaign = await admin.request('POST', '/api/marketing/campaigns', {
    name: names.campaign,
    listId: list.json().id,
    templateId: template.json().id,
  });
  assert.equal(campaign.statusCode, 201, campaign.body);
  return {
    templateId: template.json().id as string,
    accountId: account.json().id as string,
    campaignId: campaign.json().id as string,
  };
}
