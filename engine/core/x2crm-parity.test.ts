import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { catalog } from '../nodes/index.ts';
import { importX2crmFlow } from './import-x2crm.ts';
import { validateFlow } from './validate.ts';
import { bindRefs, refsIn } from './x2crm-refs.ts';

type Options = Record<string, { value: unknown; operator?: string }>;
const opts = (values: Record<string, unknown>): Options =>
  Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { value }]));

/** A one-step X2CRM flow file on contacts. */
function file(
  item: Record<string, unknown>,
  trigger: Record<string, unknown> = { type: 'RecordCreateTrigger' },
) {
  return {
    version: '7.1',
    flowName: 'parity',
    trigger: { modelClass: 'Contacts', options: [], ...trigger },
    items: [{ id: 1, ...item }],
  };
}

/**
 * X2CRM 7.1's components/x2flow/{triggers,actions} classes other than processes (Workflow*),
 * web forms and email (WebleadTrigger, Inbound/OutboundEmailTrigger), marketing (Campaign*,
 * Newsletter*, EmailOpen, WebActivity, X2FlowSms, X2FlowPushWebContent,
 * X2FlowRecordNewsletterAdd, X2FlowCampaignLaunch) and X2FlowCreateEvent, which other
 * mappings own. Base classes (X2FlowTrigger, BaseTagTrigger, …) are never stored in a file.
 */
const triggerClasses: Record<string, string | null> = {
  ActionCompleteTrigger: 'trigger.taskCompleted',
  ActionOverdueTrigger: 'trigger.taskOverdue',
  ActionUncompleteTrigger: 'trigger.taskUncompleted',
  ActionCreateTrigger: 'trigger.recordCreated',
  LocationTrigger: null,
  MacroTrigger: 'trigger.macro',
  PeriodicTrigger: 'trigger.periodic',
  RecordCreateTrigger: 'trigger.recordCreated',
  RecordDeleteTrigger: 'trigger.recordDeleted',
  RecordInactiveTrigger: null,
  RecordTagAddTrigger: 'trigger.tagAdded',
  RecordTagRemoveTrigger: 'trigger.tagRemoved',
  RecordUpdateTrigger: 'trigger.recordUpdated',
  RecordViewTrigger: 'trigger.recordViewed',
  TargetedContentRequestTrigger: 'trigger.targetedContentRequested',
  UserLoginTrigger: 'trigger.userSignedIn',
  UserLogoutTrigger: 'trigger.userSignedOut',
  VoipInboundTrigger: null,
};

const actionClasses: Record<string, string | null> = {
  X2FlowApiCall: 'http.request',
  X2FlowCreateAction: 'task.create',
  X2FlowCreateNotif: 'notification.create',
  X2FlowCreateReminder: null,
  X2FlowEmail: 'email.send',
  X2FlowRecordChange: 'record.switchRelated',
  X2FlowRecordComment: 'record.comment',
  X2FlowRecordCreate: 'record.create',
  X2FlowRecordCreateAction: 'task.create',
  X2FlowRecordDelete: 'record.delete',
  X2FlowRecordEmail: 'email.send',
  X2FlowRecordListAdd: 'list.add',
  X2FlowRecordListRemove: 'list.remove',
  X2FlowRecordReassign: 'record.assign',
  X2FlowRecordTag: 'record.tags',
  X2FlowRecordUpdate: 'record.update',
  X2FlowWait: 'control.wait',
};

describe('every X2CRM 7.1 class has a Weft counterpart or a specific reason', () => {
  for (const [x2type, type] of Object.entries(triggerClasses)) {
    test(`trigger ${x2type} → ${type ?? 'reason'}`, () => {
      const result = importX2crmFlow(file({ type: 'X2FlowRecordDelete', options: [] }, { type: x2type }));
      const noted = result.unmapped.find((u) => u.path === '/trigger');
      if (type) {
        assert.equal(result.flow.trigger.type, type);
        assert.equal(noted, undefined);
      } else {
        assert.ok(noted, 'listed in unmapped');
        assert.doesNotMatch(noted.reason, /^no Weft trigger/, 'a specific reason, not the generic one');
        assert.equal(result.problem?.kind, 'trigger');
      }
    });
  }
  for (const [x2type, type] of Object.entries(actionClasses)) {
    test(`action ${x2type} → ${type ?? 'reason'}`, () => {
      const result = importX2crmFlow(file({ type: x2type, options: opts({ delay: '1', unit: 'mins' }) }));
      if (type) assert.equal(result.flow.nodes[0]?.type, type);
      else {
        assert.equal(result.flow.nodes.length, 0);
        const noted = result.unmapped.find((u) => u.path === '/items/0');
        assert.ok(noted);
        assert.doesNotMatch(noted.reason, /^no Weft action/);
        assert.equal(result.problem?.kind, 'steps');
      }
    });
  }
});

/** What each X2CRM option code becomes; every result is also validated against the real node schemas. */
const actionCases: Array<[name: string, item: Record<string, unknown>, params: Record<string, unknown>]> = [
  [
    'Create Action for Record: a task on the record, copying its assignee, priority and visibility',
    { type: 'X2FlowRecordCreateAction', options: opts({ subject: 'Call {firstName}', description: 'Soon' }) },
    { subject: 'Call {{record.firstName}}', description: 'Soon', onRecord: true, copyFromRecord: true },
  ],
  [
    'Create Action: priority "3", visibility "0", owner of record, a unix due date',
    {
      type: 'X2FlowCreateAction',
      options: opts({
        subject: 'Follow up',
        priority: '3',
        visibility: '0',
        assignedTo: '{assignedTo}',
        dueDate: 1_700_000_000,
      }),
    },
    {
      subject: 'Follow up',
      priority: 'High',
      visibility: 'private',
      assignedTo: '{{record.assignedTo}}',
      dueDate: '2023-11-14T22:13:20.000Z',
      onRecord: false,
    },
  ],
  [
    'Reassign to a username',
    { type: 'X2FlowRecordReassign', options: opts({ user: 'jsmith' }) },
    { to: 'user', assignee: 'x2crm:user:jsmith' },
  ],
  [
    'Reassign to a group id',
    { type: 'X2FlowRecordReassign', options: opts({ user: '4' }) },
    { to: 'user', assignee: 'x2crm:group:4' },
  ],
  [
    'Comment as the owner of the record',
    { type: 'X2FlowRecordComment', options: opts({ assignedTo: '{assignedTo}', comment: 'Hi' }) },
    { text: 'Hi', authorId: '{{record.assignedTo}}' },
  ],
  [
    'Notify the current user',
    { type: 'X2FlowCreateNotif', options: opts({ user: '{user.username}', text: 'Done' }) },
    { userId: '{{user.id}}', text: 'Done' },
  ],
  [
    'Add to an X2CRM list: a reference to bind',
    { type: 'X2FlowRecordListAdd', options: opts({ listId: 12 }) },
    { listId: 'x2crm:list:12' },
  ],
  [
    'Clear all tags',
    { type: 'X2FlowRecordTag', options: opts({ action: 'clear', tags: '' }) },
    { action: 'clear' },
  ],
  [
    'Remove tags given as an array with #',
    { type: 'X2FlowRecordTag', options: opts({ action: 'remove', tags: ['#hot', 'vip'] }) },
    { action: 'remove', tags: ['hot', 'vip'] },
  ],
  [
    'Email with cc, bcc and an HTML body',
    {
      type: 'X2FlowEmail',
      options: opts({ to: 'a@x.test', cc: 'b@x.test', bcc: 'c@x.test', subject: 'S', body: '<p>Hi</p>' }),
    },
    { to: 'a@x.test', cc: 'b@x.test', bcc: 'c@x.test', subject: 'S', html: '<p>Hi</p>' },
  ],
  [
    'API call with a JSON payload',
    {
      type: 'X2FlowApiCall',
      options: opts({ url: 'https://x.test', method: 'POST', jsonPayload: '1', jsonBlob: '{"a":1}' }),
    },
    { url: 'https://x.test', method: 'POST', headers: {}, body: { a: 1 } },
  ],
];

describe('X2CRM option codes decoded', () => {
  for (const [name, item, params] of actionCases) {
    test(name, () => {
      const { flow } = importX2crmFlow(file(item));
      assert.deepEqual(flow.nodes[0]?.params, params);
      const problems = validateFlow(
        bindRefs(flow, new Map(refsIn(flow).map((use) => [use.ref, 'x']))),
        catalog,
      );
      assert.deepEqual(
        problems.filter((p) => p.code === 'node.params'),
        [],
      );
    });
  }

  test('template, sender and "do not email" link are named as dropped', () => {
    const { unmapped } = importX2crmFlow(
      file({
        type: 'X2FlowRecordEmail',
        options: opts({ template: '7', from: '2', doNotEmailLink: '1', body: 'x' }),
      }),
    );
    assert.deepEqual(
      unmapped.map((u) => u.what),
      ['option template', 'option from', 'option doNotEmailLink'],
    );
  });

  test('Create Record with "create relationship" says how to relate in Weft', () => {
    const { flow, unmapped } = importX2crmFlow(
      file({
        type: 'X2FlowRecordCreate',
        modelClass: 'Opportunity',
        options: opts({ createRelationship: '1' }),
      }),
    );
    assert.deepEqual(flow.nodes[0]?.params, { module: 'opportunities', values: {} });
    assert.match(unmapped[0]?.reason ?? '', /Relate to the current record by/);
  });
});

describe('X2CRM trigger options decoded', () => {
  test('macro: every user may run it, as in X2CRM', () => {
    const { flow } = importX2crmFlow(file({ type: 'X2FlowRecordDelete' }, { type: 'MacroTrigger' }));
    assert.deepEqual(flow.trigger.params, { module: 'contacts', roles: ['*'] });
    assert.deepEqual(validateFlow(flow, catalog), []);
  });

  test('action marked incomplete is on tasks', () => {
    const { flow } = importX2crmFlow(
      file({ type: 'X2FlowRecordDelete' }, { type: 'ActionUncompleteTrigger', modelClass: 'Actions' }),
    );
    assert.deepEqual(flow.trigger, {
      type: 'trigger.taskUncompleted',
      params: { module: 'tasks' },
      position: { x: 0, y: 0 },
    });
  });

  test('overdue by a duration stored as text, and the 3.x time and unit', () => {
    const modern = importX2crmFlow(
      file(
        { type: 'X2FlowRecordDelete' },
        { type: 'ActionOverdueTrigger', options: opts({ duration: '7200' }) },
      ),
    );
    assert.deepEqual(modern.flow.trigger.params.overdueBy, { amount: 2, unit: 'hours' });
    const legacy = importX2crmFlow(
      file(
        { type: 'X2FlowRecordDelete' },
        { type: 'ActionOverdueTrigger', options: opts({ time: '2', unit: 'months' }) },
      ),
    );
    assert.deepEqual(legacy.flow.trigger.params.overdueBy, { amount: 60, unit: 'days' });
  });

  test('one tag becomes the tag; several a condition on the tag added', () => {
    const one = importX2crmFlow(
      file({ type: 'X2FlowRecordDelete' }, { type: 'RecordTagAddTrigger', options: opts({ tags: '#vip' }) }),
    );
    assert.deepEqual(one.flow.trigger.params, { module: 'contacts', tag: 'vip' });
    const many = importX2crmFlow(
      file(
        { type: 'X2FlowRecordDelete' },
        { type: 'RecordTagRemoveTrigger', options: opts({ tags: 'a, b' }) },
      ),
    );
    assert.deepEqual(many.flow.trigger.params.conditions, { inList: [{ var: 'trigger.tag' }, ['a', 'b']] });
  });

  test('sign-in by a list of usernames; "Anyone" is no condition', () => {
    const listed = importX2crmFlow(
      file(
        { type: 'X2FlowRecordDelete' },
        {
          type: 'UserLoginTrigger',
          modelClass: undefined,
          options: { user: { value: 'ann,bob', operator: 'list' } },
        },
      ),
    );
    assert.deepEqual(listed.flow.trigger.params, {
      conditions: { inList: [{ var: 'trigger.userId' }, ['x2crm:user:ann', 'x2crm:user:bob']] },
    });
    const anyone = importX2crmFlow(
      file({ type: 'X2FlowRecordDelete' }, { type: 'UserLogoutTrigger', options: opts({ user: 'Anyone' }) }),
    );
    assert.deepEqual(anyone.flow.trigger.params, {});
  });

  test('conditions on the assignee name users by username, groups by id', () => {
    const { flow } = importX2crmFlow(
      file(
        { type: 'X2FlowRecordDelete' },
        {
          type: 'RecordUpdateTrigger',
          conditions: [
            { type: 'attribute', name: 'assignedTo', operator: '=', value: 'ann' },
            { type: 'attribute', name: 'assignedTo', operator: 'notList', value: 'bob,3' },
          ],
        },
      ),
    );
    assert.deepEqual(flow.trigger.params.conditions, {
      and: [
        { '==': [{ var: 'record.assignedTo' }, 'x2crm:user:ann'] },
        { notInList: [{ var: 'record.assignedTo' }, ['x2crm:user:bob', 'x2crm:group:3']] },
      ],
    });
  });

  test('a flow with no items, or only unmappable ones, is named as such', () => {
    assert.match(importX2crmFlow({ ...file({}), items: [] }).problem?.message ?? '', /no steps/);
    assert.equal(importX2crmFlow(file({ type: 'X2FlowRecordDelete' })).problem, undefined);
  });
});

describe('references', () => {
  test('found where they are used, and bound everywhere at once', () => {
    const { flow } = importX2crmFlow({
      ...file({ type: 'X2FlowRecordListAdd', options: opts({ listId: '5' }) }),
      items: [
        { id: 1, type: 'X2FlowRecordListAdd', options: opts({ listId: '5' }) },
        {
          id: 2,
          type: 'X2FlowSwitch',
          conditions: [{ type: 'on_list', value: '5' }],
          trueBranch: [],
          falseBranch: [],
        },
      ],
    });
    assert.deepEqual(
      refsIn(flow).map((use) => `${use.nodeId}${use.path} ${use.ref}`),
      ['n1/listId x2crm:list:5', 'n2/condition/onList/0 x2crm:list:5'],
    );
    const bound = bindRefs(flow, new Map([['x2crm:list:5', 'L']]));
    assert.deepEqual(refsIn(bound), []);
    assert.equal(bound.nodes[0]?.params.listId, 'L');
  });
});
