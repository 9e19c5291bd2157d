/**
 * X2CRM's marketing triggers and actions import into Weft's, and the result validates
 * against the real node catalogue (publishable once the noted ids are chosen).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importX2crmFlow } from '../engine/core/import-x2crm.ts';
import { validateFlow } from '../engine/core/validate.ts';
import { catalog } from '../engine/nodes/index.ts';

const flowFile = (trigger: Record<string, unknown>, items: Record<string, unknown>[]) => ({
  version: '5.2',
  idCounter: items.length,
  flowName: 'Marketing',
  trigger,
  items,
});

const contactFields = ['id', 'module', 'firstName', 'lastName', 'email', 'phone', 'doNotEmail', 'doNotCall'];

const triggerCases: [string, string][] = [
  ['EmailOpenTrigger', 'trigger.emailOpened'],
  ['CampaignEmailOpenTrigger', 'trigger.campaignEmailOpened'],
  ['CampaignEmailClickTrigger', 'trigger.campaignEmailClicked'],
  ['CampaignUnsubscribeTrigger', 'trigger.campaignUnsubscribed'],
  ['NewsletterEmailClickTrigger', 'trigger.newsletterEmailClicked'],
  ['NewsletterUnsubscribeTrigger', 'trigger.newsletterUnsubscribed'],
  ['WebActivityTrigger', 'trigger.webActivity'],
  ['CampaignWebActivityTrigger', 'trigger.campaignWebActivity'],
  ['TargetedContentRequestTrigger', 'trigger.targetedContentRequested'],
];

for (const [x2type, type] of triggerCases) {
  test(`${x2type} becomes ${type}, about contacts`, () => {
    const { flow, unmapped } = importX2crmFlow(
      flowFile({ type: x2type, modelClass: 'Contacts', options: {} }, [
        { id: 1, type: 'X2FlowRecordComment', options: { comment: { value: 'came back' } } },
      ]),
    );
    assert.equal(flow.trigger.type, type);
    assert.equal((flow.trigger.params as { module: string }).module, 'contacts');
    assert.deepEqual(unmapped, []);
    assert.deepEqual(validateFlow(flow, catalog, { recordFields: contactFields }), []);
  });
}

test('a click trigger keeps its URL filter; its campaign id is noted, not carried', () => {
  const { flow, unmapped } = importX2crmFlow(
    flowFile(
      {
        type: 'CampaignEmailClickTrigger',
        modelClass: 'Contacts',
        options: { campaign: { value: '12' }, url: { value: 'pricing', operator: 'contains' } },
      },
      [],
    ),
  );
  assert.deepEqual(flow.trigger.params, { module: 'contacts', url: 'pricing' });
  assert.deepEqual(
    unmapped.map((u) => u.path),
    ['/trigger/options/campaign'],
  );
  const strict = importX2crmFlow(
    flowFile(
      { type: 'WebActivityTrigger', options: { url: { value: 'https://x.test/a', operator: '=' } } },
      [],
    ),
  );
  assert.deepEqual(
    strict.unmapped.map((u) => u.what),
    ['URL ='],
  );
});

test('the marketing actions: add to newsletter, launch campaign, SMS, push web content', () => {
  const { flow, unmapped } = importX2crmFlow(
    flowFile({ type: 'TargetedContentRequestTrigger', modelClass: 'Contacts', options: {} }, [
      { id: 1, type: 'X2FlowRecordNewsletterAdd', options: { listId: { value: '7' } } },
      { id: 2, type: 'X2FlowCampaignLaunch', options: { campaign: { value: '3' } } },
      {
        id: 3,
        type: 'X2FlowSms',
        options: { from: { value: '1' }, to: { value: '{phone}' }, message: { value: 'Hi {firstName}' } },
      },
      { id: 4, type: 'X2FlowPushWebContent', options: { content: { value: '<b>Hello {firstName}</b>' } } },
    ]),
  );
  assert.deepEqual(
    flow.nodes.map((node) => [node.type, node.params]),
    [
      ['newsletter.add', { newsletterId: '7' }],
      ['campaign.launch', { campaignId: '3' }],
      ['sms.send', { to: '{{record.phone}}', body: 'Hi {{record.firstName}}' }],
      [
        'web.pushContent',
        { requestId: '{{trigger.requestId}}', content: '<b>Hello {{record.firstName}}</b>' },
      ],
    ],
  );
  assert.deepEqual(
    unmapped.map((u) => u.path),
    ['/items/0/options/listId', '/items/1/options/campaign', '/items/2/options/from'],
  );
  assert.deepEqual(validateFlow(flow, catalog, { recordFields: contactFields }), []);
});
