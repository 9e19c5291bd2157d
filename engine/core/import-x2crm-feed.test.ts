import assert from 'node:assert/strict';
import { test } from 'node:test';
import feedPost from '../nodes/actions/feed-post.ts';
import { importX2crmFlow } from './import-x2crm.ts';
import { schemaErrors } from './json-schema.ts';

/** X2FlowCreateEvent's options (X2CRM 6+: type, text, visibility, feed, user, createNotif) → feed.post params. */
const fileWith = (options: Record<string, unknown>) => ({
  version: '5.2',
  idCounter: 2,
  trigger: { id: 1, type: 'RecordCreateTrigger', options: { modelClass: { value: 'Contacts' } } },
  items: [
    {
      id: 2,
      type: 'X2FlowCreateEvent',
      options: Object.fromEntries(Object.entries(options).map(([name, value]) => [name, { value }])),
    },
  ],
  flowName: 'Post',
});

const cases: [string, Record<string, unknown>, Record<string, unknown>][] = [
  [
    'a private note by the assignee on a named user feed, notifying',
    { type: 'Note', text: 'Hi {firstName}', visibility: '0', user: 'auto', feed: 'chris', createNotif: '1' },
    {
      text: 'Hi {{record.firstName}}',
      type: 'note',
      visibility: 'private',
      author: 'assignee',
      feed: 'user',
      targetUserId: 'chris',
      notify: true,
    },
  ],
  [
    'a public social post by a named author on the assignee feed, without notification',
    { type: 'Social Post', text: 'x', visibility: 1, user: 'admin', feed: 'auto', createNotif: false },
    {
      text: 'x',
      type: 'post',
      visibility: 'public',
      author: 'user',
      authorUserId: 'admin',
      feed: 'assignee',
      notify: false,
    },
  ],
  ['only text: a workflow post', { text: 'y' }, { text: 'y', type: 'workflow' }],
  [
    'visibility "1" (string) is public',
    { text: 'y', visibility: '1', feed: '' },
    { text: 'y', type: 'workflow', visibility: 'public' },
  ],
];

for (const [name, options, expected] of cases) {
  test(`X2FlowCreateEvent: ${name}`, () => {
    const { flow, unmapped } = importX2crmFlow(fileWith(options));
    assert.deepEqual(unmapped, []);
    const node = flow.nodes.find((candidate) => candidate.type === 'feed.post');
    assert.deepEqual(node?.params, expected);
    // The params are valid for the real action.
    assert.deepEqual(schemaErrors(feedPost.params, node?.params), []);
  });
}
