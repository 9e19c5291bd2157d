/**
 * Processes through the API: every stage rule (table-driven), 50 concurrent completions of
 * one stage, a reorder that keeps progress, and what each change writes (changelog, outbox
 * events, feed post), the board and the funnel.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { sql } from 'kysely';
import { createTestApp, login, type Session } from './helpers/app.ts';
import { signedInUser } from './helpers/people.ts';

const { app, db } = await createTestApp();
const admin = await login(app);
const rep = await signedInUser(app, db, admin, 'rep', { '*': { view: 'all', create: 'all', update: 'all' } });
const managerRole = (
  await admin.request('POST', '/api/roles', {
    name: 'Sales managers',
    permissions: { '*': { view: 'all', create: 'all', update: 'all' } },
  })
).json<{ id: string }>().id;
await admin.request('POST', '/api/users', {
  username: 'boss',
  password: 'password-for-tests',
  roleIds: [managerRole],
});
const manager = await login(app, 'boss', 'password-for-tests');
const viewer = await signedInUser(app, db, admin, 'viewer', { '*': { view: 'all' } });

interface StageView {
  id: string;
  name: string;
  status: string;
  completedBy: string | null;
  comment: string | null;
}
interface Progress {
  currentStage: string | null;
  stages: StageView[];
}

async function createProcess(body: Record<string, unknown>) {
  const response = await admin.request('POST', '/api/processes', body);
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string; stages: { id: string; name: string }[] }>();
}

const sales = await createProcess({
  name: 'Sales',
  modules: ['opportunities'],
  defaultFor: ['opportunities'],
  financialModule: 'opportunities',
  financialField: 'quoteAmount',
  stages: [
    { id: 'lead', name: 'Lead' },
    { id: 'qualified', name: 'Qualified', requireComment: true },
    { id: 'proposal', name: 'Proposal', roles: [managerRole], requirePrevious: 'all' },
    { id: 'won', name: 'Won', requirePrevious: { stageId: 'qualified' } },
  ],
});

async function opportunity(name: string, quoteAmount = 100): Promise<string> {
  const response = await admin.request('POST', '/api/records/opportunities', { name, quoteAmount });
  assert.equal(response.statusCode, 201, response.body);
  return response.json().id;
}

function act(as: Session, recordId: string, body: Record<string, unknown>, processId = sales.id) {
  return as.request('POST', `/api/processes/${processId}/records/${recordId}/stages`, {
    module: 'opportunities',
    ...body,
  });
}

async function ok(as: Session, recordId: string, body: Record<string, unknown>): Promise<Progress> {
  const response = await act(as, recordId, body);
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

const hour = 3600_000;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

describe('stage rules', () => {
  type Setup = (id: string) => Promise<void>;
  const started: Setup = async (id) => {
    await ok(admin, id, { action: 'start', stageId: 'lead' });
  };
  const atQualified: Setup = async (id) => {
    await started(id);
    await ok(admin, id, { action: 'complete', stageId: 'lead' });
  };
  const completedLongAgo: Setup = async (id) => {
    await started(id);
    await ok(admin, id, { action: 'complete', stageId: 'lead', completedAt: ago(48 * hour) });
  };
  const cases: Array<{
    name: string;
    as: Session;
    setup?: Setup;
    body: Record<string, unknown>;
    rule: string | null;
  }> = [
    { name: 'start the first stage', as: rep, body: { action: 'start', stageId: 'lead' }, rule: null },
    {
      name: 'complete before starting',
      as: rep,
      body: { action: 'complete', stageId: 'lead' },
      rule: 'state',
    },
    {
      name: 'start twice',
      as: rep,
      setup: started,
      body: { action: 'start', stageId: 'lead' },
      rule: 'state',
    },
    {
      name: 'revert what has not started',
      as: rep,
      body: { action: 'revert', stageId: 'lead' },
      rule: 'state',
    },
    {
      name: 'all earlier stages first',
      as: admin,
      body: { action: 'start', stageId: 'proposal' },
      rule: 'prerequisite',
    },
    { name: 'a named stage first', as: rep, body: { action: 'start', stageId: 'won' }, rule: 'prerequisite' },
    {
      name: 'a role-restricted stage',
      as: rep,
      setup: atQualified,
      body: { action: 'start', stageId: 'proposal' },
      rule: 'role',
    },
    {
      name: 'a required comment',
      as: rep,
      setup: atQualified,
      body: { action: 'complete', stageId: 'qualified' },
      rule: 'comment',
    },
    {
      name: 'a blank comment',
      as: rep,
      setup: atQualified,
      body: { action: 'complete', stageId: 'qualified', comment: '  ' },
      rule: 'comment',
    },
    {
      name: 'with the comment',
      as: rep,
      setup: atQualified,
      body: { action: 'complete', stageId: 'qualified', comment: 'budget ok' },
      rule: null,
    },
    {
      name: 'a date in the future',
      as: rep,
      setup: started,
      body: { action: 'complete', stageId: 'lead', completedAt: ago(-48 * hour) },
      rule: 'backdateRange',
    },
    {
      name: 'a date past the backdate range',
      as: rep,
      setup: started,
      body: { action: 'complete', stageId: 'lead', completedAt: ago(60 * 24 * hour) },
      rule: 'backdateRange',
    },
    {
      name: 'a date within the range',
      as: rep,
      setup: started,
      body: { action: 'complete', stageId: 'lead', completedAt: ago(2 * 24 * hour) },
      rule: null,
    },
    {
      name: 'admins backdate further',
      as: admin,
      setup: started,
      body: { action: 'complete', stageId: 'lead', completedAt: ago(600 * 24 * hour) },
      rule: null,
    },
    {
      name: 'someone else as completer',
      as: rep,
      setup: started,
      body: { action: 'complete', stageId: 'lead', completedBy: 'ADMIN' },
      rule: 'reassign',
    },
    {
      name: 'revert past the backdate window',
      as: rep,
      setup: completedLongAgo,
      body: { action: 'revert', stageId: 'lead' },
      rule: 'backdateWindow',
    },
    {
      name: 're-date past the backdate window',
      as: rep,
      setup: completedLongAgo,
      body: { action: 'edit', stageId: 'lead', completedAt: ago(hour) },
      rule: 'backdateWindow',
    },
    {
      name: 'revert within the window',
      as: rep,
      setup: atQualified,
      body: { action: 'revert', stageId: 'lead' },
      rule: null,
    },
    { name: 'no such stage', as: rep, body: { action: 'start', stageId: 'nope' }, rule: 'stage' },
  ];
  for (const entry of cases) {
    test(`${entry.rule ?? 'allowed'}: ${entry.name}`, async () => {
      const id = await opportunity(entry.name);
      await entry.setup?.(id);
      const body = { ...entry.body };
      if (body.completedBy === 'ADMIN') body.completedBy = admin.userId;
      const response = await act(entry.as, id, body);
      if (entry.rule === null) {
        assert.equal(response.statusCode, 200, response.body);
        return;
      }
      assert.equal(response.statusCode, 422, response.body);
      const error = response.json().error;
      assert.equal(error.code, 'WEFT_ERR_PROCESS_RULE');
      assert.equal(error.details[0].rule, entry.rule);
    });
  }

  test('the reassignment setting lets users name someone else', async () => {
    const patched = await admin.request('PATCH', '/api/settings', { processAllowReassign: true });
    assert.equal(patched.statusCode, 200, patched.body);
    const id = await opportunity('reassigned');
    await ok(rep, id, { action: 'start', stageId: 'lead' });
    const progress = await ok(rep, id, { action: 'complete', stageId: 'lead', completedBy: admin.userId });
    assert.equal(progress.stages[0]?.completedBy, admin.userId);
    await admin.request('PATCH', '/api/settings', { processAllowReassign: false });
  });

  test('a user who may not update the record may not move it; the roles pass the restricted stage', async () => {
    const id = await opportunity('roles');
    const refused = await act(viewer, id, { action: 'start', stageId: 'lead' });
    assert.equal(refused.statusCode, 403, refused.body);
    await atQualified(id);
    await ok(rep, id, { action: 'complete', stageId: 'qualified', comment: 'fine' });
    const progress = await ok(manager, id, { action: 'complete', stageId: 'proposal' });
    assert.deepEqual(
      progress.stages.map((stage) => stage.status),
      ['completed', 'completed', 'completed', 'started'],
    );
  });

  test('bad input is a 400 or 404 naming the field', async () => {
    const id = await opportunity('bad');
    assert.equal((await act(rep, id, { action: 'fly', stageId: 'lead' })).statusCode, 400);
    const wrongModule = await act(rep, id, { module: 'contacts', action: 'start', stageId: 'lead' });
    assert.equal(wrongModule.statusCode, 400, wrongModule.body);
    assert.equal(wrongModule.json().error.details[0].field, 'module');
    const missing = await act(rep, '00000000-0000-4000-8000-000000000000', {
      action: 'start',
      stageId: 'lead',
    });
    assert.equal(missing.statusCode, 404);
  });
});

test('50 concurrent completions of one stage: exactly one wins', async () => {
  const id = await opportunity('race');
  await ok(admin, id, { action: 'start', stageId: 'lead' });
  const answers = await Promise.all(
    Array.from({ length: 50 }, () => act(rep, id, { action: 'complete', stageId: 'lead' })),
  );
  const codes = answers.map((answer) => answer.statusCode);
  assert.equal(codes.filter((code) => code === 200).length, 1, codes.join(','));
  assert.equal(codes.filter((code) => code === 422).length, 49);
  for (const answer of answers.filter((a) => a.statusCode === 422))
    assert.equal(answer.json().error.details[0].rule, 'state');
  const events = await db
    .selectFrom('events')
    .select('type')
    .where('recordId', '=', id)
    .where('type', '=', 'process.stageCompleted')
    .execute();
  assert.equal(events.length, 1);
});

test('a change writes its changelog row, outbox events and feed post in its transaction', async () => {
  const id = await opportunity('audited');
  await ok(rep, id, { action: 'start', stageId: 'lead' });
  await ok(rep, id, { action: 'complete', stageId: 'lead' });
  const events = await db
    .selectFrom('events')
    .select(['type', 'payload'])
    .where('recordId', '=', id)
    .where(sql<boolean>`type like 'process.%'`)
    .orderBy('id')
    .execute();
  assert.deepEqual(
    events.map((event) => [event.type, (event.payload as { stageId?: string }).stageId ?? null]),
    [
      ['process.started', null],
      ['process.stageStarted', 'lead'],
      ['process.stageCompleted', 'lead'],
      ['process.stageStarted', 'qualified'],
    ],
  );
  const changelog = await db
    .selectFrom('changelog')
    .select('changes')
    .where('recordId', '=', id)
    .orderBy('id')
    .execute();
  const last = changelog.at(-1)?.changes as Record<string, { before: string; after: string }>;
  assert.deepEqual(last['Sales: Lead'], { before: 'started', after: 'completed' });
  assert.deepEqual(last['Sales: Qualified'], { before: 'notStarted', after: 'started' });
  const posts = await db
    .selectFrom('feedPosts')
    .select(['type', 'text'])
    .where('recordId', '=', id)
    .execute();
  assert.equal(posts.filter((post) => post.type === 'process').length, 2);
  // A refused change leaves nothing behind.
  const before = await db.selectFrom('events').select('id').where('recordId', '=', id).execute();
  assert.equal((await act(rep, id, { action: 'complete', stageId: 'qualified' })).statusCode, 422);
  assert.equal(
    (await db.selectFrom('events').select('id').where('recordId', '=', id).execute()).length,
    before.length,
  );
});

test('reordering, adding and removing stages keeps every record’s progress', async () => {
  const process = await createProcess({
    name: 'Onboarding',
    modules: ['opportunities'],
    stages: [
      { id: 's1', name: 'One' },
      { id: 's2', name: 'Two' },
      { id: 's3', name: 'Three' },
    ],
  });
  const id = await opportunity('reordered');
  const url = `/api/processes/${process.id}/records/${id}/stages`;
  await admin.request('POST', url, { module: 'opportunities', action: 'start', stageId: 's1' });
  await admin.request('POST', url, { module: 'opportunities', action: 'complete', stageId: 's1' });
  const patched = await admin.request('PATCH', `/api/processes/${process.id}`, {
    stages: [{ id: 's2', name: 'Two' }, { name: 'Zero' }, { id: 's1', name: 'One renamed' }],
  });
  assert.equal(patched.statusCode, 200, patched.body);
  const progress = (
    await admin.request('GET', `/api/processes/${process.id}/records/${id}?module=opportunities`)
  ).json<Progress>();
  assert.deepEqual(
    progress.stages.map((stage) => [stage.name, stage.status]),
    [
      ['Two', 'started'],
      ['Zero', 'notStarted'],
      ['One renamed', 'completed'],
    ],
  );
  assert.equal(progress.currentStage, 's2');
  const boardAnswer = await admin.request('GET', `/api/processes/${process.id}/board`);
  assert.equal(boardAnswer.statusCode, 200, boardAnswer.body);
  const board = boardAnswer.json();
  const column = board.columns.find((c: { stageId: string }) => c.stageId === 's2');
  assert.equal(column.count, 1);
});

test('the board: a column per stage with counts and financial totals; moves forward and back', async () => {
  const process = await createProcess({
    name: 'Pipeline',
    modules: ['opportunities'],
    financialModule: 'opportunities',
    financialField: 'quoteAmount',
    stages: [
      { id: 'p1', name: 'New' },
      { id: 'p2', name: 'Talk', requireComment: true },
      { id: 'p3', name: 'Close' },
    ],
  });
  const move = (as: Session, id: string, toStageId: string, comments?: Record<string, string>) =>
    as.request('POST', `/api/processes/${process.id}/records/${id}/move`, {
      module: 'opportunities',
      toStageId,
      ...(comments ? { comments } : {}),
    });
  const a = await opportunity('board a', 100);
  const b = await opportunity('board b', 250);
  assert.equal((await move(rep, a, 'p1')).statusCode, 200);
  assert.equal((await move(rep, b, 'p2')).statusCode, 200);
  // Forward over a stage that needs a comment, without it: refused, nothing kept.
  const refused = await move(rep, b, 'p3');
  assert.equal(refused.statusCode, 422);
  assert.equal(refused.json().error.details[0].stageId, 'p2');
  const moved = await move(rep, b, 'p3', { p2: 'agreed' });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(moved.json().currentStage, 'p3');
  let board = (await rep.request('GET', `/api/processes/${process.id}/board`)).json();
  const summary = () =>
    board.columns.map((c: { stageId: string; count: number; total: number | null; cards: unknown[] }) => [
      c.stageId,
      c.count,
      c.total,
      c.cards.length,
    ]);
  assert.deepEqual(summary(), [
    ['p1', 1, 100, 1],
    ['p2', 0, null, 0],
    ['p3', 1, 250, 1],
    ['completed', 0, null, 0],
  ]);
  // Backward reverts.
  assert.equal((await move(rep, b, 'p1')).statusCode, 200);
  board = (await rep.request('GET', `/api/processes/${process.id}/board`)).json();
  assert.deepEqual(summary()[0], ['p1', 2, 350, 2]);
  const funnel = (await rep.request('GET', `/api/processes/${process.id}/funnel`)).json();
  assert.deepEqual(
    funnel.stages.map((s: { stageId: string; reached: number }) => [s.stageId, s.reached]),
    [
      ['p1', 2],
      ['p2', 0],
      ['p3', 0],
    ],
  );
  const records = (await rep.request('GET', `/api/processes/${process.id}/stages/p1/records`)).json();
  assert.equal(records.items.length, 2);
});

test('process definitions are checked: references, financial field, admin only', async () => {
  const bad = await admin.request('POST', '/api/processes', {
    name: 'Bad',
    modules: ['opportunities'],
    stages: [
      { id: 'x', name: 'X', requirePrevious: { stageId: 'y' } },
      { id: 'y', name: 'Y' },
    ],
  });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.details[0].field, 'stages/0/requirePrevious');
  const field = await admin.request('POST', '/api/processes', {
    name: 'Bad money',
    modules: ['opportunities'],
    financialModule: 'opportunities',
    financialField: 'name',
    stages: [{ name: 'X' }],
  });
  assert.equal(field.statusCode, 400);
  const notAdmin = await rep.request('POST', '/api/processes', {
    name: 'Mine',
    modules: ['contacts'],
    stages: [{ name: 'X' }],
  });
  assert.equal(notAdmin.statusCode, 403);
  const duplicate = await admin.request('POST', '/api/processes', {
    name: 'Sales',
    modules: ['contacts'],
    stages: [{ name: 'X' }],
  });
  assert.equal(duplicate.statusCode, 409);
  const widget = await rep.request(
    'GET',
    `/api/records/opportunities/${await opportunity('widget')}/processes`,
  );
  assert.equal(widget.statusCode, 200, widget.body);
  assert.equal(widget.json().items[0].processName, 'Sales');
});

test('processStatus in a routing rule: the record’s progress decides the rule', async () => {
  const done = await opportunity('routed done');
  await ok(admin, done, { action: 'start', stageId: 'lead' });
  await ok(admin, done, { action: 'complete', stageId: 'lead' });
  const fresh = await opportunity('routed fresh');
  const saved = await admin.request('PUT', '/api/routing/opportunities', {
    enabled: false,
    mode: 'customRoundRobin',
    rules: [
      {
        criteria: { processStatus: [sales.id, 'lead', 'completed'] },
        kind: 'users',
        userIds: [manager.userId],
      },
    ],
  });
  assert.equal(saved.statusCode, 200, saved.body);
  const route = async (id: string) =>
    (await admin.request('POST', '/api/routing/opportunities/test', { record: { id } })).json().assignee;
  assert.equal(await route(done), manager.userId);
  assert.equal(await route(fresh), null);
});

test("a record's processes come with the rules its caller is held to (the record page offers only those)", async () => {
  const changed = await admin.request('PATCH', '/api/settings', {
    processBackdateWindowSeconds: 3600,
    processBackdateRangeSeconds: 0,
    processAllowReassign: true,
  });
  assert.equal(changed.statusCode, 200, changed.body);
  const deal = (await admin.request('POST', '/api/records/opportunities', { name: 'Rules deal' })).json<{
    id: string;
  }>();
  const asRep = (await rep.request('GET', `/api/records/opportunities/${deal.id}/processes`)).json<{
    rules: unknown;
  }>();
  assert.deepEqual(asRep.rules, {
    backdateWindowSeconds: 3600,
    backdateRangeSeconds: 0,
    allowReassign: true,
    admin: false,
  });
  const asAdmin = (await admin.request('GET', `/api/records/opportunities/${deal.id}/processes`)).json<{
    rules: { admin: boolean };
  }>();
  assert.equal(asAdmin.rules.admin, true);
});
