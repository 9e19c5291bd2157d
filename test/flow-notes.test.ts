/**
 * Step names and sticky notes: saved with the flow, kept by publish, versions, export and
 * import, shown with the run (its definition), and ignored by the engine and the publish
 * checks (a note is never a problem, a named flow runs as the unnamed one would).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Flow } from '../schemas/flow.ts';
import { engineTestApp, straightFlow } from './helpers/engine.ts';

const { admin, publish, runOn, create } = await engineTestApp();

const manual = { type: 'trigger.manual', params: { module: 'contacts' } } as const;
const base = straightFlow('Named steps', manual, [['task', 'task.create', { subject: 'Say hello' }]]);
const named: Flow = {
  ...base,
  nodes: base.nodes.map((node) => ({ ...node, label: 'Remind the owner' })),
  notes: [
    {
      id: 'n1',
      text: '# Why\n- the owner forgets',
      color: 'pink',
      position: { x: 300, y: 0 },
      width: 260,
      height: 90,
    },
    { id: 'n2', text: '', position: { x: 300, y: 200 } },
  ],
};

test('names and notes pass the checks, survive publish, versions, export and import, and the run', async () => {
  const checked = await admin.request('POST', '/api/flows/validate', named);
  assert.equal(checked.statusCode, 200, checked.body);
  assert.deepEqual(checked.json().problems, []);

  const flowId = await publish(named);
  const version = await admin.request('GET', `/api/flows/${flowId}/versions/1`);
  assert.equal(version.statusCode, 200, version.body);
  const definition = version.json().definition as Flow;
  assert.equal(definition.nodes[0]?.label, 'Remind the owner');
  assert.deepEqual(definition.notes, named.notes);

  const exported = (await admin.request('GET', `/api/flows/${flowId}/export`)).json();
  const imported = await admin.request('POST', '/api/flows/import', exported);
  assert.equal(imported.statusCode, 201, imported.body);
  const copy = (await admin.request('GET', `/api/flows/${imported.json().flow.id}`)).json().draft as Flow;
  assert.deepEqual(copy.notes, named.notes);
  assert.equal(copy.nodes[0]?.label, 'Remind the owner');

  const ada = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace' });
  const run = await runOn(flowId, String(ada.id));
  assert.equal(run.status, 'succeeded');
  const detail = (await admin.request('GET', `/api/runs/${run.id}`)).json();
  assert.equal(detail.definition.nodes[0].label, 'Remind the owner');
});

test('a bad note or name is refused with its field', async () => {
  const bad = { ...named, notes: [{ id: 'n1', text: 'x', color: 'purple', position: { x: 0, y: 0 } }] };
  const draft = await admin.request('POST', '/api/flows', { name: 'Bad note', definition: bad });
  assert.equal(draft.statusCode, 400, draft.body);
  assert.match(draft.body, /notes/);
  const longName = { ...named, nodes: named.nodes.map((n) => ({ ...n, label: 'x'.repeat(81) })) };
  const refused = await admin.request('POST', '/api/flows', { name: 'Long name', definition: longName });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(refused.body, /label/);
});
