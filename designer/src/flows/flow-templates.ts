/**
 * Ready flows for everyday CRM work, opened as drafts from the flows list's gallery. Each is
 * a plain flow definition (data, no code): its steps are laid out by the auto-layout when it
 * is created, and every reference is a variable (`{{record.assignedTo}}`), so a template is
 * free of problems as it opens; the user adapts texts and publishes.
 */
import type { Flow } from '../../../schemas/flow.ts';

export interface FlowTemplate {
  id: string;
  title: string;
  description: string;
  category: 'Leads' | 'Sales' | 'Service' | 'Tasks' | 'Team';
  flow: Flow;
}

type Step = { id: string; type: string; params: Record<string, unknown> };
type Link = [source: string, target: string, handle?: string];

const at = { x: 0, y: 0 };
function flow(name: string, trigger: Flow['trigger'], steps: Step[], links: Link[]): Flow {
  return {
    name,
    trigger: { ...trigger, position: at } as Flow['trigger'],
    nodes: steps.map((step) => ({ ...step, position: at })),
    edges: links.map(([source, target, handle]) => ({
      source,
      target,
      ...(handle ? { sourceHandle: handle } : {}),
    })),
  };
}

const equals = (field: string, value: unknown) => ({ '==': [{ var: field }, value] });
const assignee = '{{record.assignedTo}}';

export const flowTemplates: FlowTemplate[] = [
  {
    id: 'web-lead',
    title: 'Web lead → route → welcome email',
    description: 'A contact from the web form goes to whoever lead routing picks and gets a welcome email.',
    category: 'Leads',
    flow: flow(
      'Web lead: route and welcome',
      { type: 'trigger.recordCreated', params: { module: 'contacts' } },
      [
        { id: 'fromWeb', type: 'control.if', params: { condition: equals('record.leadSource', 'Web') } },
        { id: 'route', type: 'record.assign', params: { to: 'routing' } },
        {
          id: 'welcome',
          type: 'email.send',
          params: {
            subject: 'Welcome, {{record.firstName}}',
            body: 'Hello {{record.firstName}},\n\nThank you for your interest. We will be in touch shortly.',
          },
        },
        { id: 'notWeb', type: 'control.end', params: {} },
      ],
      [
        ['trigger', 'fromWeb'],
        ['fromWeb', 'route', 'true'],
        ['fromWeb', 'notWeb', 'false'],
        ['route', 'welcome'],
      ],
    ),
  },
  {
    id: 'hot-lead',
    title: 'Hot lead alert',
    description: 'A contact rated 4 stars or more notifies its owner at once.',
    category: 'Leads',
    flow: flow(
      'Hot lead alert',
      {
        type: 'trigger.recordCreated',
        params: { module: 'contacts', conditions: { '>=': [{ var: 'record.rating' }, 4] } },
      },
      [
        {
          id: 'notify',
          type: 'notification.create',
          params: { userId: assignee, text: 'Hot lead: {{record.firstName}} {{record.lastName}}' },
        },
      ],
      [['trigger', 'notify']],
    ),
  },
  {
    id: 'stale-opportunity',
    title: 'Stale opportunity reminder',
    description:
      'Two weeks after an opportunity opens, if it is still being worked, its owner gets a follow-up task.',
    category: 'Sales',
    flow: flow(
      'Stale opportunity reminder',
      { type: 'trigger.recordCreated', params: { module: 'opportunities' } },
      [
        { id: 'wait', type: 'control.wait', params: { duration: { amount: 14, unit: 'days' } } },
        { id: 'open', type: 'control.if', params: { condition: equals('record.salesStage', 'Working') } },
        {
          id: 'remind',
          type: 'task.create',
          params: { subject: 'Follow up on {{record.name}}', priority: 'High', dueDate: 'in 2 days' },
        },
        { id: 'closed', type: 'control.end', params: {} },
      ],
      [
        ['trigger', 'wait'],
        ['wait', 'open'],
        ['open', 'remind', 'true'],
        ['open', 'closed', 'false'],
      ],
    ),
  },
  {
    id: 'opportunity-won',
    title: 'Celebrate a won deal',
    description: 'When an opportunity is won, the team hears about it and an invoice task is created.',
    category: 'Sales',
    flow: flow(
      'Opportunity won',
      { type: 'trigger.recordUpdated', params: { module: 'opportunities', field: 'salesStage', to: 'Won' } },
      [
        { id: 'post', type: 'feed.post', params: { text: 'We won {{record.name}}!' } },
        { id: 'invoice', type: 'task.create', params: { subject: 'Send the invoice for {{record.name}}' } },
      ],
      [
        ['trigger', 'post'],
        ['post', 'invoice'],
      ],
    ),
  },
  {
    id: 'opportunity-lost',
    title: 'Learn from a lost deal',
    description: 'A lost opportunity gets a task to ask the customer why.',
    category: 'Sales',
    flow: flow(
      'Opportunity lost',
      { type: 'trigger.recordUpdated', params: { module: 'opportunities', field: 'salesStage', to: 'Lost' } },
      [
        {
          id: 'ask',
          type: 'task.create',
          params: { subject: 'Ask why we lost {{record.name}}', dueDate: 'in 3 days' },
        },
      ],
      [['trigger', 'ask']],
    ),
  },
  {
    id: 'case-escalation',
    title: 'Case escalation by impact',
    description: 'Severe cases notify their owner and get an urgent task; critical ones get a task.',
    category: 'Service',
    flow: flow(
      'Case escalation by impact',
      { type: 'trigger.recordCreated', params: { module: 'cases' } },
      [
        {
          id: 'impact',
          type: 'control.switch',
          params: {
            cases: [
              { handle: 'severe', label: 'Severe', condition: equals('record.impact', '1 - Severe') },
              { handle: 'critical', label: 'Critical', condition: equals('record.impact', '2 - Critical') },
            ],
          },
        },
        {
          id: 'alert',
          type: 'notification.create',
          params: { userId: assignee, text: 'Severe case: {{record.name}}' },
        },
        {
          id: 'urgent',
          type: 'task.create',
          params: { subject: 'Call back about {{record.name}} now', priority: 'High', dueDate: 'in 1 hours' },
        },
        {
          id: 'soon',
          type: 'task.create',
          params: { subject: 'Look into {{record.name}}', priority: 'Medium', dueDate: 'in 1 days' },
        },
      ],
      [
        ['trigger', 'impact'],
        ['impact', 'alert', 'severe'],
        ['alert', 'urgent'],
        ['impact', 'soon', 'critical'],
      ],
    ),
  },
  {
    id: 'case-closed',
    title: 'Case closed follow-up',
    description: 'A resolved case is announced and gets a satisfaction call a week later.',
    category: 'Service',
    flow: flow(
      'Case closed follow-up',
      {
        type: 'trigger.recordUpdated',
        params: { module: 'cases', field: 'status', to: 'Closed - Resolved' },
      },
      [
        { id: 'post', type: 'feed.post', params: { text: 'Case {{record.name}} is resolved' } },
        { id: 'wait', type: 'control.wait', params: { duration: { amount: 7, unit: 'days' } } },
        { id: 'call', type: 'task.create', params: { subject: 'Satisfaction call: {{record.name}}' } },
      ],
      [
        ['trigger', 'post'],
        ['post', 'wait'],
        ['wait', 'call'],
      ],
    ),
  },
  {
    id: 'task-overdue',
    title: 'Overdue task escalation',
    description: 'A task a day past its due date notifies its owner and is raised to high priority.',
    category: 'Tasks',
    flow: flow(
      'Overdue task escalation',
      { type: 'trigger.taskOverdue', params: { module: 'tasks', overdueBy: { amount: 1, unit: 'days' } } },
      [
        {
          id: 'notify',
          type: 'notification.create',
          params: { userId: assignee, text: 'Overdue: {{record.subject}}' },
        },
        { id: 'raise', type: 'record.update', params: { values: { priority: 'High' } } },
      ],
      [
        ['trigger', 'notify'],
        ['notify', 'raise'],
      ],
    ),
  },
  {
    id: 'new-account',
    title: 'New account kick-off',
    description: 'A new account gets a kick-off call task and a post for the team.',
    category: 'Sales',
    flow: flow(
      'New account kick-off',
      { type: 'trigger.recordCreated', params: { module: 'accounts' } },
      [
        {
          id: 'kickoff',
          type: 'task.create',
          params: { subject: 'Kick-off call with {{record.name}}', dueDate: 'in 2 days' },
        },
        { id: 'post', type: 'feed.post', params: { text: 'New account: {{record.name}}' } },
      ],
      [
        ['trigger', 'kickoff'],
        ['kickoff', 'post'],
      ],
    ),
  },
  {
    id: 'vip-tag',
    title: 'VIP tagged',
    description: 'Tagging a contact "vip" tells its owner and marks it hot.',
    category: 'Leads',
    flow: flow(
      'VIP tagged',
      { type: 'trigger.tagAdded', params: { module: 'contacts', tag: 'vip' } },
      [
        {
          id: 'notify',
          type: 'notification.create',
          params: { userId: assignee, text: '{{record.firstName}} {{record.lastName}} is now a VIP' },
        },
        { id: 'rate', type: 'record.update', params: { values: { rating: 5 } } },
      ],
      [
        ['trigger', 'notify'],
        ['notify', 'rate'],
      ],
    ),
  },
  {
    id: 'weekly-review',
    title: 'Weekly pipeline review',
    description: 'Every Monday at 9 a reminder to review the pipeline is posted to the feed.',
    category: 'Team',
    flow: flow(
      'Weekly pipeline review',
      { type: 'trigger.periodic', params: { cron: '0 9 * * 1', timeZone: 'UTC' } },
      [{ id: 'post', type: 'feed.post', params: { text: 'Monday: time to review the pipeline' } }],
      [['trigger', 'post']],
    ),
  },
];
