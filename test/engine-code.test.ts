import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, type StepSpec, straightFlow } from './helpers/engine.ts';

const { db, admin, publish, runOn, create } = await engineTestApp();

const onContacts = { type: 'trigger.manual', params: { module: 'contacts' } };
const manual = (name: string, steps: StepSpec[]) => publish(straightFlow(name, onContacts, steps));

/**
 * The newest post a flow's step made (posts of type `workflow`), in the feed's order (`seq`
 * orders the posts of one transaction): the posts the dispatcher writes for the events of
 * the run's own writes (an assignment's notice) may come before or after it.
 */
const lastPost = async () =>
  (
    await db
      .selectFrom('feedPosts')
      .select('text')
      .where('type', '=', 'workflow')
      .orderBy('createdAt', 'desc')
      .orderBy('seq', 'desc')
      .executeTakeFirst()
  )?.text;

const adminUser = await db
  .selectFrom('users')
  .select(['id', 'username', 'email'])
  .where('username', '=', 'admin')
  .executeTakeFirstOrThrow();
if (!adminUser.email)
  await db.updateTable('users').set({ email: 'admin@example.com' }).where('id', '=', adminUser.id).execute();
const adminEmail = adminUser.email ?? 'admin@example.com';

test('after an assign step, later steps see the new owner (the record is refreshed)', async () => {
  const other = await admin.request('POST', '/api/users', {
    username: 'newowner',
    password: 'a-long-password-1',
    firstName: 'New',
    lastName: 'Owner',
  });
  assert.equal(other.statusCode, 201, other.body);
  const ownerId = other.json().id as string;
  const flowId = await manual('Assign then tell', [
    ['assign', 'record.assign', { to: 'user', assignee: ownerId }],
    ['post', 'feed.post', { text: 'owner {{record.assignedTo}} / name {{record.lastName}}' }],
    ['rename', 'record.update', { values: { lastName: '{{record.lastName | upcase}}' } }],
    ['post2', 'feed.post', { text: 'now {{record.lastName}}, was {{previous.lastName | default: "-"}}' }],
  ]);
  const contact = await create('contacts', {
    firstName: 'Ada',
    lastName: 'Lovelace',
    assignedTo: adminUser.id,
  });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const posts = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('type', '=', 'workflow')
    .orderBy('id')
    .execute();
  assert.ok(
    posts.some((p) => p.text === `owner ${ownerId} / name Lovelace`),
    JSON.stringify(posts),
  );
  assert.equal(await lastPost(), 'now LOVELACE, was -');
});

test('{{user.…}} is the acting user’s profile', async () => {
  const flowId = await manual('Who', [
    ['post', 'feed.post', { text: '{{user.username}} <{{user.email}}> {{user.name}}' }],
  ]);
  const contact = await create('contacts', { firstName: 'Bo', lastName: 'Bee' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const text = await lastPost();
  assert.ok(text?.startsWith(`admin <${adminEmail}>`), text);
});

test('a code step computes from the run’s data; later steps read its declared output', async () => {
  const flowId = await manual('Compute', [
    [
      'calc',
      'code.run',
      {
        language: 'ts',
        source: [
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the code step's own JavaScript
          'const name: string = `${record.firstName} ${record.lastName}`;',
          'console.log("computing for", name);',
          'return { total: (record.lastName as string).length * 10, name, when: new Date().getUTCFullYear() > 2000 };',
        ].join('\n'),
        outputSchema: {
          type: 'object',
          properties: { total: { type: 'number' }, name: { type: 'string' }, when: { type: 'boolean' } },
          required: ['total', 'name'],
          additionalProperties: false,
        },
      },
    ],
    [
      'post',
      'feed.post',
      { text: '{{steps.calc.output.result.name}}: {{steps.calc.output.result.total | plus: 1}}' },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Cy', lastName: 'Coder' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.deepEqual(run.steps[0]?.output, {
    result: { total: 50, name: 'Cy Coder', when: true },
    logs: [{ level: 'log', text: 'computing for Cy Coder' }],
  });
  assert.equal(await lastPost(), 'Cy Coder: 51');
});

test('a code step that writes the record: later steps see the change', async () => {
  const flowId = await manual('Code writes', [
    [
      'calc',
      'code.run',
      { language: 'js', source: 'return { title: record.firstName + " the Great" };', applyToRecord: true },
    ],
    ['post', 'feed.post', { text: 'title {{record.title}}' }],
  ]);
  const contact = await create('contacts', { firstName: 'Di', lastName: 'Dee' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.equal(await lastPost(), 'title Di the Great');
  const stored = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json();
  assert.equal(stored.title, 'Di the Great');
});

test('a failing code step fails with its line, column and logs; a result off its schema fails too', async () => {
  const flowId = await manual('Code fails', [
    [
      'calc',
      'code.run',
      { language: 'js', source: 'console.log("start");\nconst x = record.nothing.deep;\nreturn x;' },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Ed', lastName: 'Err' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'failed');
  const error = run.steps[0]?.error as unknown as {
    message: string;
    owner: string;
    details: Record<string, unknown>;
  };
  assert.match(error.message, /TypeError.*\(line 2, column 25\)/);
  assert.equal(error.owner, 'user');
  assert.deepEqual(error.details.logs, [{ level: 'log', text: 'start' }]);

  const offSchema = await manual('Code off schema', [
    [
      'calc',
      'code.run',
      {
        source: 'return { total: "ten" };',
        outputSchema: { type: 'object', properties: { total: { type: 'number' } } },
      },
    ],
  ]);
  const failed = await runOn(offSchema, String(contact.id));
  assert.equal(failed.status, 'failed');
  assert.match(String(failed.steps[0]?.error?.message), /output schema: \/total must be number/);
});

test('publish checks paths into a code step’s declared output, and the schema itself', async () => {
  const definition = straightFlow('Typo', onContacts, [
    [
      'calc',
      'code.run',
      {
        source: 'return { total: 1 };',
        outputSchema: {
          type: 'object',
          properties: { total: { type: 'number' } },
          additionalProperties: false,
        },
      },
    ],
    ['post', 'feed.post', { text: '{{steps.calc.output.result.totl}}' }],
  ]);
  const created = await admin.request('POST', '/api/flows', { name: 'Typo', definition });
  const id = created.json().id as string;
  const published = await admin.request('POST', `/api/flows/${id}/publish`);
  assert.equal(published.statusCode, 400, published.body);
  assert.match(published.body, /has no output \\"result\.totl\\"|has no output "result\.totl"/);

  const badSchema = straightFlow('Bad schema', onContacts, [
    ['calc', 'code.run', { source: 'return 1;', outputSchema: { type: 'nonsense' } }],
  ]);
  const second = await admin.request('POST', '/api/flows', { name: 'Bad schema', definition: badSchema });
  const refused = await admin.request('POST', `/api/flows/${second.json().id}/publish`);
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /not a valid JSON Schema/);
});

test('a value written to a typed field is converted, or the step fails naming the field and the value', async () => {
  const flowId = await manual('Typed', [
    [
      'set',
      'record.update',
      {
        values: {
          rating: '{{ record.lastName | size }}',
          doNotCall: 'yes',
          dealvalue: '{{ 1000 | times: 1.5 }} ',
        },
      },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Fi', lastName: 'Foo' });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const stored = (await admin.request('GET', `/api/records/contacts/${contact.id}`)).json();
  assert.deepEqual([stored.rating, stored.doNotCall, Number(stored.dealvalue)], [3, true, 1500]);

  const bad = await manual('Typed badly', [
    ['set', 'record.update', { values: { rating: 'about {{ record.lastName }}' } }],
  ]);
  const failed = await runOn(bad, String(contact.id));
  assert.equal(failed.status, 'failed');
  assert.match(String(failed.steps[0]?.error?.message), /rating.*"about Foo" is not a number/);
  assert.equal(failed.steps[0]?.error?.owner, 'user');
});

test('publish checks every variable against the module, linked modules and the user’s profile', async () => {
  const problemsOf = async (text: string) => {
    const definition = straightFlow('Vars', onContacts, [['post', 'feed.post', { text }]]);
    const created = await admin.request('POST', '/api/flows', { name: 'Vars', definition });
    const published = await admin.request('POST', `/api/flows/${created.json().id}/publish`);
    return published.statusCode === 200 ? '' : published.body;
  };
  assert.equal(
    await problemsOf(
      '{{record.company.name}} {{record.assignedTo.email}} {{user.email}} {{record.tags.size}}',
    ),
    '',
  );
  assert.match(
    await problemsOf('{{record.firstName.length}}'),
    /record\.firstName is a text value: it has no \\"length\\"/,
  );
  assert.match(await problemsOf('{{record.company.nmae}}'), /record\.company has no field \\"nmae\\"/);
  assert.match(await problemsOf('{{ user.emial | upcase }}'), /user has no field \\"emial\\"/);
  assert.match(
    await problemsOf('{% if record.lastNam == "x" %}y{% endif %}'),
    /record has no field \\"lastNam\\"/,
  );
  assert.match(await problemsOf('{{ record.firstName | shout }}'), /unknown filter/);
});

test('{{record.company.name}} and {{record.assignedTo.email}} read the linked records, as they are at each step', async () => {
  const account = await create('accounts', { name: 'Analytical Engines' });
  const flowId = await manual('Links', [
    [
      'post',
      'feed.post',
      { text: '{{record.company.name}} / {{record.assignedTo.email}} / {{record.company}}' },
    ],
    ['rename', 'code.run', { language: 'js', source: 'return 1;' }],
    ['post2', 'feed.post', { text: 'owner {{record.assignedTo.username | upcase}}' }],
  ]);
  const contact = await create('contacts', {
    firstName: 'Gus',
    lastName: 'Link',
    company: account.id,
    assignedTo: adminUser.id,
  });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  const posts = await db
    .selectFrom('feedPosts')
    .select('text')
    .where('type', '=', 'workflow')
    .orderBy('id')
    .execute();
  assert.ok(
    posts.some((p) => p.text === `Analytical Engines / ${adminEmail} / ${account.id}`),
    JSON.stringify(posts.slice(-3)),
  );
  assert.equal(await lastPost(), 'owner ADMIN');
});

test('POST /api/flows/code-runs runs a source on a sample record: output, logs, errors, schema mismatches', async () => {
  const contact = await create('contacts', { firstName: 'Hal', lastName: 'Try' });
  const body = { module: 'contacts', recordId: String(contact.id), language: 'ts' };
  const ok = await admin.request('POST', '/api/flows/code-runs', {
    ...body,
    source: 'const n: string = record.firstName;\nconsole.log(user.username);\nreturn { n };',
  });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual(
    [ok.json().ok, ok.json().output, ok.json().logs],
    [true, { n: 'Hal' }, [{ level: 'log', text: 'admin' }]],
  );
  const bad = (
    await admin.request('POST', '/api/flows/code-runs', { ...body, source: 'return record.x.y;' })
  ).json();
  assert.deepEqual([bad.ok, bad.error.kind, bad.error.line], [false, 'runtime', 1]);
  const off = (
    await admin.request('POST', '/api/flows/code-runs', {
      ...body,
      source: 'return { n: 1 };',
      outputSchema: { type: 'object', properties: { n: { type: 'string' } } },
    })
  ).json();
  assert.equal(off.schemaErrors[0].path, '/n');
  const missing = await admin.request('POST', '/api/flows/code-runs', {
    ...body,
    source: 'return 1;',
    recordId: 'nope',
  });
  assert.ok(missing.statusCode >= 400 && missing.statusCode < 500, missing.body);
});

test('an If step can test a linked record’s field; a trigger condition cannot, and says so at publish', async () => {
  const account = await create('accounts', { name: 'Initech' });
  const definition = {
    name: 'Branch on link',
    trigger: onContacts,
    nodes: [
      {
        id: 'check',
        type: 'control.if',
        params: { condition: { '==': [{ var: 'record.company.name' }, 'Initech'] } },
        position: { x: 0, y: 100 },
      },
      {
        id: 'yes',
        type: 'feed.post',
        params: { text: 'linked yes {{record.company}}' },
        position: { x: 0, y: 200 },
      },
      { id: 'no', type: 'feed.post', params: { text: 'linked no' }, position: { x: 200, y: 200 } },
    ],
    edges: [
      { source: 'trigger', target: 'check' },
      { source: 'check', sourceHandle: 'true', target: 'yes' },
      { source: 'check', sourceHandle: 'false', target: 'no' },
    ],
  };
  const flowId = await publish(definition);
  const contact = await create('contacts', { firstName: 'Ivy', lastName: 'Link', company: account.id });
  const run = await runOn(flowId, String(contact.id));
  assert.equal(run.status, 'succeeded', JSON.stringify(run.steps));
  assert.equal(await lastPost(), `linked yes ${account.id}`);

  const gated = {
    ...definition,
    name: 'Gated on link',
    trigger: {
      ...onContacts,
      params: { ...onContacts.params, conditions: { '==': [{ var: 'record.company.name' }, 'x'] } },
    },
  };
  const created = await admin.request('POST', '/api/flows', { name: gated.name, definition: gated });
  const refused = await admin.request('POST', `/api/flows/${created.json().id}/publish`);
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /trigger conditions cannot read linked records/);
});

test('workspace settings: time zone, locale and formats reach templates; a bad zone or locale is a 400', async () => {
  const bad = await admin.request('PATCH', '/api/settings', { timeZone: 'Mars/Olympus' });
  assert.equal(bad.statusCode, 400, bad.body);
  assert.match(bad.body, /timeZone/);
  const badLocale = await admin.request('PATCH', '/api/settings', { locale: 'not a locale!' });
  assert.equal(badLocale.statusCode, 400, badLocale.body);
  const set = await admin.request('PATCH', '/api/settings', {
    timeZone: 'Europe/Paris',
    locale: 'fr-FR',
    dateFormat: '%d/%m/%Y',
    timeFormat: '%Hh%M',
    appUrl: 'https://crm.example.com',
  });
  assert.equal(set.statusCode, 200, set.body);
  const flowId = await manual('Formats', [
    [
      'post',
      'feed.post',
      {
        text: '{{ "2026-03-14T10:05:00Z" | date }} {{ "2026-03-14" | date: "%A" }} {{ 1234.5 | number_format: 1 }} {{ record | record_url }}',
      },
    ],
  ]);
  const contact = await create('contacts', { firstName: 'Jo', lastName: 'Zone' });
  // The engine reads settings through a cache of a few seconds: the run may start before it sees them.
  const expected = `14/03/2026 11h05 samedi 1 234,5 https://crm.example.com/records/contacts/${contact.id}`;
  const seen = await eventually(
    async () => {
      const run = await runOn(flowId, String(contact.id));
      const text = (await lastPost())?.replace(/\u202f|\u00a0/g, ' ');
      return run.status === 'succeeded' && text === expected ? text : undefined;
    },
    'the workspace formats in a rendered post',
    15_000,
  );
  assert.equal(seen, expected);
  await admin.request('PATCH', '/api/settings', {
    timeZone: 'UTC',
    locale: 'en-US',
    dateFormat: '%Y-%m-%d',
    timeFormat: '%H:%M',
    appUrl: null,
  });
});
