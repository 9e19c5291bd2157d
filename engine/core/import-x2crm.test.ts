import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { type Flow, flowSchema } from '../../schemas/flow.ts';
import { compile } from './compile.ts';
import { controlNodes } from './control-nodes.ts';
import { importX2crmFlow } from './import-x2crm.ts';
import { schemaErrors } from './json-schema.ts';
import { createCatalog, defineAction, defineTrigger } from './node-types.ts';
import { validateFlow } from './validate.ts';
import { convertConditions, evaluateFormula, type Unmapped } from './x2crm-conditions.ts';

const directory = new URL('../../test/fixtures/x2crm-flows/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, directory), 'utf8'));

/** Every Weft action and trigger type the importer emits, with permissive schemas. */
const anything = { type: 'object' } as const;
const stubCatalog = createCatalog([
  ...controlNodes,
  ...['record.update', 'record.create', 'record.delete', 'record.assign', 'record.tags', 'list.add']
    .concat(['list.remove', 'task.create', 'record.comment', 'feed.post', 'notification.create'])
    .concat(['email.send', 'http.request', 'record.switchRelated', 'vars.set'])
    .concat(['process.startStage', 'process.completeStage', 'process.revertStage'])
    .map((type) =>
      defineAction({
        type,
        title: type,
        category: 'x',
        params: anything,
        output: anything,
        run: () => Promise.reject(),
      }),
    ),
  ...['recordCreated', 'recordUpdated', 'recordDeleted', 'recordViewed', 'taskOverdue', 'periodic'].map(
    (name) =>
      defineTrigger({
        type: `trigger.${name}`,
        title: name,
        category: 'x',
        params: anything,
        output: anything,
        providesRecord: name !== 'periodic',
      }),
  ),
]);

type Expect = (flow: Flow) => void;
const edgesOf = (flow: Flow) =>
  flow.edges.map((e) => `${e.source}${e.sourceHandle ? `:${e.sourceHandle}` : ''}>${e.target}`);
const nodeOf = (flow: Flow, id: string) => {
  const node = flow.nodes.find((n) => n.id === id);
  assert.ok(node, `node ${id}`);
  return node;
};
const notification = (userId: string, text: string) => ({
  type: 'notification.create',
  params: { userId, text },
});

const files: Record<string, { expect: Expect; unmapped: string[]; problems?: string[] }> = {
  'e1-splitters.json': {
    expect: (flow) => {
      assert.deepEqual(flow.trigger, {
        type: 'trigger.recordViewed',
        params: { module: 'contacts' },
        position: { x: 0, y: 0 },
      });
      assert.deepEqual(
        flow.nodes.map((n) => [n.id, n.type, n.params.text ?? null]),
        [
          ['n2', 'record.comment', '0'],
          ['n3', 'control.parallel', null],
          ['n4', 'record.comment', '1'],
          ['n6', 'control.parallel', null],
          ['n10', 'record.comment', '2'],
          ['n5', 'record.comment', '3'],
        ],
      );
      assert.deepEqual(nodeOf(flow, 'n2').params, { text: '0', authorId: '{{record.assignedTo}}' });
      assert.deepEqual(edgesOf(flow), ['trigger>n2', 'n2>n3', 'n3>n4', 'n4>n6', 'n6>n10', 'n3>n5']);
    },
    unmapped: ['/items/1/upperBranch/1/lowerBranch/1 X2FlowSplitter'],
  },
  'e2-switch-process-status.json': {
    expect: (flow) => {
      assert.equal(flow.trigger.type, 'trigger.recordUpdated');
      assert.deepEqual(nodeOf(flow, 'n2'), {
        id: 'n2',
        type: 'control.if',
        params: { condition: { processStatus: ['x2crm:process:2', 'x2crm:stage:2/7', 'notCompleted'] } },
        position: { x: 0, y: 140 },
      });
      assert.deepEqual(nodeOf(flow, 'n3'), {
        ...nodeOf(flow, 'n3'),
        ...notification('{{record.assignedTo}}', 'true'),
      });
      assert.deepEqual(nodeOf(flow, 'n5').params, { userId: '{{record.assignedTo}}', text: '' });
      assert.deepEqual(edgesOf(flow), ['trigger>n2', 'n2:true>n3', 'n2:false>n4', 'n4>n5']);
    },
    unmapped: ['/items/0/conditions/0 X2CRM process 2, stage 7'],
    // Publishing waits for the binding of X2CRM's process 2 and its stage 7.
    problems: ['n2 node.condition'],
  },
  'e3-wait-notify.json': {
    expect: (flow) => {
      assert.deepEqual(nodeOf(flow, 'n1').params, { duration: { amount: 1, unit: 'seconds' } });
      assert.equal(nodeOf(flow, 'n1').type, 'control.wait');
      assert.deepEqual(nodeOf(flow, 'n3').params, { userId: '{{record.assignedTo}}', text: 'test' });
      assert.deepEqual(edgesOf(flow), ['trigger>n1', 'n1>n3']);
    },
    unmapped: [],
  },
  'e4-trigger-conditions-changed.json': {
    expect: (flow) => {
      assert.deepEqual(flow.trigger.params, {
        module: 'contacts',
        conditions: { and: [{ changed: ['firstName'] }, { '==': [{ var: 'record.firstName' }, 'test'] }] },
      });
      // A username: resolved to the Weft user with that username when the server imports it.
      assert.deepEqual(nodeOf(flow, 'n2').params, { userId: 'x2crm:user:admin', text: 'test' });
    },
    unmapped: [],
  },
  's1-api-call.json': {
    expect: (flow) => {
      assert.deepEqual(nodeOf(flow, 'n2'), {
        id: 'n2',
        type: 'http.request',
        params: {
          url: 'http://localhost',
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: { paramName0: 'paramValue0', paramName1: 'paramValue1' },
        },
        position: { x: 0, y: 140 },
      });
      assert.equal(flow.name, 'test1');
    },
    unmapped: [],
  },
  's2-has-tags-reassign.json': {
    expect: (flow) => {
      assert.deepEqual(nodeOf(flow, 'n2').params, { to: 'routing' });
      assert.deepEqual(nodeOf(flow, 'n3').params, {
        condition: { hasTags: [{ var: 'record.tags' }, ['test']] },
      });
      assert.deepEqual(edgesOf(flow), ['trigger>n2', 'n2>n3', 'n3:true>n4', 'n3:false>n5']);
    },
    unmapped: [],
  },
  's3-periodic.json': {
    expect: (flow) => {
      assert.deepEqual(flow.trigger.params, { cron: '* * * * 0' });
      assert.equal(flow.trigger.type, 'trigger.periodic');
    },
    unmapped: [],
  },
  's4-record-change.json': {
    expect: (flow) => {
      assert.equal(flow.trigger.params.module, 'accounts');
      assert.deepEqual(
        flow.nodes.map((n) => [n.id, n.type, n.params]),
        [
          ['n5', 'record.update', { values: { name: 'Test 1' } }],
          ['n2', 'record.switchRelated', { link: 'primaryContact', module: 'contacts' }],
          ['n6', 'record.update', { values: { firstName: 'Test 2' } }],
        ],
      );
      assert.deepEqual(edgesOf(flow), ['trigger>n5', 'n5>n2', 'n2>n6']);
    },
    unmapped: [],
  },
  's5-legacy-3.0.1.json': {
    expect: (flow) => {
      assert.deepEqual(flow.trigger.params, {
        module: 'tasks',
        overdueBy: { amount: 2, unit: 'days' },
        conditions: { '!=': [{ var: 'record.assignedTo' }, 'x2crm:user:chames'] },
      });
      assert.equal(flow.trigger.type, 'trigger.taskOverdue');
      assert.deepEqual(
        flow.nodes.map((n) => [n.id, n.type]),
        [
          ['g1', 'notification.create'],
          ['g2', 'control.wait'],
          ['g3', 'control.if'],
          ['g4', 'notification.create'],
          ['g5', 'record.assign'],
          ['g6', 'record.tags'],
        ],
      );
      assert.equal(
        nodeOf(flow, 'g1').params.text,
        'Action overdue; please resolve: {{ record | record_url }}',
      );
      assert.deepEqual(nodeOf(flow, 'g2').params, { duration: { amount: 2, unit: 'days' } });
      assert.deepEqual(nodeOf(flow, 'g3').params, {
        condition: { '==': [{ var: 'record.complete' }, 'yes'] },
      });
      assert.deepEqual(nodeOf(flow, 'g6').params, { action: 'add', tags: ['reassigned'] });
      assert.deepEqual(edgesOf(flow), ['trigger>g1', 'g1>g2', 'g2>g3', 'g3:true>g4', 'g3:false>g5', 'g5>g6']);
    },
    // {link} is the record's page now ({{ record | record_url }}): nothing left unmapped.
    unmapped: [],
  },
};

describe('X2CRM flow files import', () => {
  test('every file in the fixture directory has a case', () => {
    const present = readdirSync(directory).filter((name) => name.endsWith('.json'));
    assert.deepEqual(present.sort(), Object.keys(files).sort());
  });

  for (const [name, { expect, unmapped, problems = [] }] of Object.entries(files)) {
    test(name, () => {
      const result = importX2crmFlow(load(name));
      expect(result.flow);
      assert.deepEqual(
        result.unmapped.map((u) => `${u.path} ${u.what}`),
        unmapped,
      );
      assert.deepEqual(schemaErrors(flowSchema, result.flow), []);
      assert.deepEqual(
        validateFlow(result.flow, stubCatalog).map((p) => `${p.nodeId} ${p.code}`),
        problems,
      );
      if (problems.length === 0) assert.doesNotThrow(() => compile(result.flow, stubCatalog));
    });
  }

  test('processes: triggers, stage actions and workflow_status become placeholders to bind, listed', () => {
    const file = {
      version: '5.2',
      trigger: {
        id: 1,
        type: 'WorkflowCompleteStageTrigger',
        options: { workflowId: { value: '3' }, stageNumber: { value: '2' } },
        modelClass: 'Opportunity',
      },
      items: [
        {
          id: 2,
          type: 'X2FlowWorkflowStartStage',
          options: { workflowId: { value: '3' }, stageNumber: { value: '3' } },
        },
        {
          id: 3,
          type: 'X2FlowWorkflowCompleteStage',
          options: {
            workflowId: { value: '3' },
            stageNumber: { value: '3' },
            stageComment: { value: 'by {name}' },
          },
        },
        {
          id: 4,
          type: 'X2FlowProcessRevertStage',
          options: { workflowId: { value: '3' }, stageNumber: { value: '1' } },
        },
      ],
      flowName: 'process flow',
    };
    const { flow, unmapped, bindings } = importX2crmFlow(file);
    assert.deepEqual(flow.trigger.params, {
      module: 'opportunities',
      processId: 'x2crm:process:3',
      stageId: 'x2crm:stage:3/2',
    });
    assert.equal(flow.trigger.type, 'trigger.stageCompleted');
    assert.deepEqual(
      flow.nodes.map((node) => [node.type, node.params]),
      [
        ['process.startStage', { processId: 'x2crm:process:3', stageId: 'x2crm:stage:3/3' }],
        [
          'process.completeStage',
          { processId: 'x2crm:process:3', stageId: 'x2crm:stage:3/3', comment: 'by {{record.name}}' },
        ],
        ['process.revertStage', { processId: 'x2crm:process:3', stageId: 'x2crm:stage:3/1' }],
      ],
    );
    assert.deepEqual(
      unmapped.map((u) => u.path),
      ['/trigger', '/items/0', '/items/1', '/items/2'],
    );
    assert.deepEqual(bindings.map((b) => b.placeholder).sort(), [
      'x2crm:process:3',
      'x2crm:stage:3/1',
      'x2crm:stage:3/2',
      'x2crm:stage:3/3',
    ]);
    const started = importX2crmFlow({
      ...file,
      trigger: { type: 'WorkflowStartTrigger', options: { workflowId: { value: '3' } } },
    });
    assert.deepEqual(started.flow.trigger, {
      type: 'trigger.processStarted',
      params: { processId: 'x2crm:process:3' },
      position: { x: 0, y: 0 },
    });
  });

  test('X2FlowWorkflowTerminateProcess → process.end on the process to bind, listed', () => {
    const { flow, unmapped, bindings } = importX2crmFlow({
      version: '5.2',
      trigger: { type: 'RecordUpdateTrigger', modelClass: 'Opportunity', options: {} },
      items: [{ id: 2, type: 'X2FlowWorkflowTerminateProcess', options: { workflowId: { value: '4' } } }],
      flowName: 'terminate',
    });
    assert.deepEqual(
      flow.nodes.map((node) => [node.type, node.params]),
      [['process.end', { processId: 'x2crm:process:4' }]],
    );
    assert.ok(unmapped.some((u) => u.path === '/items/0' && /bind it to a Weft process/.test(u.reason)));
    assert.ok(!unmapped.some((u) => /unknown|no Weft equivalent/i.test(u.reason)));
    assert.deepEqual(
      bindings.map((b) => b.placeholder),
      ['x2crm:process:4'],
    );
  });

  test('a bound workflow_status condition validates', () => {
    const { flow } = importX2crmFlow(load('e2-switch-process-status.json'));
    const bound = JSON.parse(
      JSON.stringify(flow)
        .replaceAll('x2crm:process:2', '4a0f6f0e-3f0b-4c55-9d62-111111111111')
        .replaceAll('x2crm:stage:2/7', 'won'),
    );
    assert.deepEqual(validateFlow(bound, stubCatalog), []);
  });

  test('importing twice gives the same flow (ids are deterministic)', () => {
    const source = load('s5-legacy-3.0.1.json');
    assert.deepEqual(importX2crmFlow(source), importX2crmFlow(source));
  });

  test('unknown actions, triggers and formulas are listed, not dropped silently', () => {
    const { flow, unmapped } = importX2crmFlow({
      version: '5.2',
      trigger: { type: 'SomeFutureTrigger', options: [] },
      items: [
        { id: 1, type: 'X2FlowSendSms', options: {} },
        {
          id: 2,
          type: 'X2FlowWait',
          options: { delay: { value: '=strtotime("tomorrow")' }, unit: { value: 'secs' } },
        },
      ],
      flowName: 'x',
    });
    assert.deepEqual(
      unmapped.map((u) => `${u.path} ${u.what}`),
      [
        '/trigger SomeFutureTrigger',
        '/items/0 X2FlowSendSms',
        '/items/1/options/delay/value formula =strtotime("tomorrow")',
        '/items/1 X2FlowWait',
      ],
    );
    assert.deepEqual(edgesOf(flow), ['trigger>n2']);
  });
});

describe('X2CRM connector triggers', () => {
  test('WebleadTrigger → web form submitted (any form)', () => {
    const { flow, unmapped } = importX2crmFlow({
      version: '5.2',
      trigger: { type: 'WebleadTrigger', modelClass: 'Contacts', options: {} },
      items: [],
      flowName: 'Web leads',
    });
    assert.deepEqual(flow.trigger.type, 'trigger.webformSubmitted');
    assert.deepEqual(flow.trigger.params, {});
    assert.deepEqual(unmapped, []);
  });

  test('Inbound and outbound email triggers keep their from/to/subject/body filters; other operators are listed', () => {
    const inbound = importX2crmFlow({
      version: '5.2',
      trigger: {
        type: 'InboundEmailTrigger',
        options: {
          subject: { value: 'invoice', operator: 'contains' },
          from: { value: 'billing@example.com', operator: '=' },
          body: { value: 'spam', operator: 'noContains' },
        },
      },
      items: [],
      flowName: 'Invoices',
    });
    assert.equal(inbound.flow.trigger.type, 'trigger.emailInbound');
    assert.deepEqual(inbound.flow.trigger.params, { subject: 'invoice', from: 'billing@example.com' });
    assert.deepEqual(
      inbound.unmapped.map((u) => `${u.path} ${u.what}`),
      ['/trigger/options/body body noContains spam'],
    );
    const outbound = importX2crmFlow({
      version: '5.2',
      trigger: {
        type: 'OutboundEmailTrigger',
        modelClass: 'Contacts',
        options: { to: { value: '@acme.com' } },
      },
      items: [],
      flowName: 'Mail to Acme',
    });
    assert.equal(outbound.flow.trigger.type, 'trigger.emailOutbound');
    assert.deepEqual(outbound.flow.trigger.params, { module: 'contacts', to: '@acme.com' });
  });
});

describe('X2CRM conditions on users and lists', () => {
  test('"user is logged in" and "on list" become userOnline and onList, usernames and list ids as references to bind', () => {
    const unmapped: Unmapped[] = [];
    const rule = convertConditions(
      [
        { type: 'user_active', value: '{assignedTo}' },
        { type: 'user_active', value: 'chames' },
        { type: 'on_list', value: '12' },
      ],
      '/items/0/conditions',
      unmapped,
    );
    assert.deepEqual(rule, {
      and: [
        { userOnline: [{ var: 'record.assignedTo' }] },
        { userOnline: ['x2crm:user:chames'] },
        { onList: ['x2crm:list:12'] },
      ],
    });
    assert.deepEqual(unmapped, []);
  });
});

describe('X2CRM formulas', () => {
  const cases: Array<[formula: string, value: number | undefined]> = [
    ['=(60*60*24*2)', 172800],
    ['=1+2*3', 7],
    ['=(1+2)*3', 9],
    ['=10/4', 2.5],
    ['=-3+5', 2],
    ['=time()+3600', undefined],
    ['=1+', undefined],
    ['=(1+2', undefined],
  ];
  for (const [formula, value] of cases) {
    test(`${formula} → ${value}`, () => {
      assert.equal(evaluateFormula(formula), value);
    });
  }
});
