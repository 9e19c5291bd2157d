/**
 * "Retry from this step" (`POST /api/runs/:id/retry-from`): a new run of the same version on
 * the same record that starts at the chosen step with the params it had in the run and the
 * outputs of the steps before it; the steps before are not run again; a step the run never
 * reached, or one inside a loop, is refused with a reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineTestApp, eventually, type RunView, straightFlow } from './helpers/engine.ts';

const { admin, publish, runOn, create } = await engineTestApp();

const manual = { type: 'trigger.manual', params: { module: 'contacts' } } as const;
const flowId = await publish(
  straightFlow('Follow up', manual, [
    ['first', 'task.create', { subject: 'Say hello' }],
    ['second', 'task.create', { subject: 'Follow up on {{steps.first.output.id}}' }],
    ['check', 'user.isOnline', { userId: 'task {{steps.first.output.id}}' }],
  ]),
);
const ada = await create('contacts', { firstName: 'Ada', lastName: 'Lovelace' });
const failed = await runOn(flowId, String(ada.id));

interface StepDetail {
  nodeId: string;
  status: string;
  input: Record<string, unknown>;
}

const detail = async (id: string) =>
  (await admin.request('GET', `/api/runs/${id}`)).json<{
    status: string;
    recordId: string;
    version: number;
    input: { retriedFrom?: unknown };
    steps: StepDetail[];
  }>();

test('a new run starts at the step, with its params and the earlier outputs, and runs only from there', async () => {
  assert.equal(failed.status, 'failed');
  const original = await detail(failed.id);
  const second = original.steps.find((step) => step.nodeId === 'second');
  assert.ok(second);
  assert.match(String(second.input.subject), /^Follow up on [0-9a-f-]{36}$/);

  const retried = await admin.request('POST', `/api/runs/${failed.id}/retry-from`, { nodeId: 'second' });
  assert.equal(retried.statusCode, 201, retried.body);
  const newId = retried.json().id as string;
  assert.notEqual(newId, failed.id);
  const settled = await eventually(async () => {
    const run = await detail(newId);
    return ['succeeded', 'failed'].includes(run.status) ? run : undefined;
  }, 'the retried run to settle');
  assert.deepEqual(
    settled.steps.map((step) => step.nodeId),
    ['second', 'check'],
  );
  assert.deepEqual(settled.steps[0]?.input, second.input);
  assert.equal(settled.steps[0]?.status, 'done');
  // The step after it still reads the output of the step before the starting point.
  const check = original.steps.find((step) => step.nodeId === 'check');
  assert.match(String(check?.input.userId), /^task [0-9a-f-]{36}$/);
  assert.deepEqual(settled.steps[1]?.input, check?.input);
  assert.equal(settled.recordId, String(ada.id));
  assert.deepEqual(settled.input.retriedFrom, { runId: failed.id, nodeId: 'second' });
  // The original run is left as it was.
  assert.equal((await detail(failed.id)).steps.length, original.steps.length);
});

test('a step the run did not reach, or an unknown one, is refused with the reason', async () => {
  const succeeded: RunView = await runOn(
    await publish(straightFlow('One step', manual, [['only', 'task.create', { subject: 'x' }]])),
    String(ada.id),
  );
  const refused = await admin.request('POST', `/api/runs/${succeeded.id}/retry-from`, { nodeId: 'nowhere' });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.match(refused.body, /did not run/);
  const fine = await admin.request('POST', `/api/runs/${succeeded.id}/retry-from`, { nodeId: 'only' });
  assert.equal(fine.statusCode, 201, fine.body);
  const missing = await admin.request('POST', '/api/runs/00000000-0000-4000-8000-000000000000/retry-from', {
    nodeId: 'only',
  });
  assert.equal(missing.statusCode, 404, missing.body);
});

test('the run answers what each if decided and the values it read then', async () => {
  const flow = straightFlow('Decide', manual, [
    ['smith', 'control.if', { condition: { '==': [{ var: 'record.lastName' }, 'Smith'] } }],
  ]);
  flow.nodes.push({
    id: 'hello',
    type: 'task.create',
    params: { subject: 'Hello Smith' },
    position: { x: 0, y: 300 },
  });
  flow.nodes.push({
    id: 'bye',
    type: 'task.create',
    params: { subject: 'Not Smith' },
    position: { x: 200, y: 300 },
  });
  flow.edges.push({ source: 'smith', sourceHandle: 'true', target: 'hello' });
  flow.edges.push({ source: 'smith', sourceHandle: 'false', target: 'bye' });
  const decide = await publish(flow);
  const jones = await runOn(decide, String(ada.id));
  assert.equal(jones.status, 'succeeded');
  const detail = (await admin.request('GET', `/api/runs/${jones.id}`)).json();
  assert.deepEqual(
    detail.steps.map((step: { nodeId: string }) => step.nodeId),
    ['bye'],
  );
  assert.deepEqual(detail.decisions, {
    smith: { handle: 'false', values: { 'record.lastName': 'Lovelace' } },
  });
});
