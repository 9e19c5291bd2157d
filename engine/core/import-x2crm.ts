/**
 * X2CRM flow file → Weft flow. Items become nodes in a chain; X2FlowSwitch becomes
 * control.if, X2FlowSplitter control.parallel (its branches run to their ends, as in X2CRM),
 * X2FlowWait control.wait. Whatever has no Weft equivalent is listed in `unmapped`, never
 * dropped silently. Ids are `n<X2CRM id>`, or `g<position>` for 3.0.1 files that have none,
 * so importing the same file twice gives the same flow.
 */
import type { Flow, FlowEdge, FlowNode } from '../../schemas/flow.ts';
import { triggerId } from './graph.ts';
import { convertConditions, convertText, evaluateFormula, type Unmapped } from './x2crm-conditions.ts';
import {
  parityActions,
  parityTriggerParams,
  parityTriggerTypes,
  unmappableActions,
  unmappableTriggers,
} from './x2crm-parity.ts';
import {
  type Binding,
  bindingsOf,
  noteBinding,
  processPlaceholder,
  stagePlaceholder,
} from './x2crm-processes.ts';

export type { Binding, Unmapped };

export interface ImportResult {
  flow: Flow;
  unmapped: Unmapped[];
  /** X2CRM process and stage numbers written as placeholders, to bind to Weft ids (x2crm-processes.ts). */
  bindings: Binding[];
  /** Why the flow cannot be published as imported (no steps, or no Weft trigger), if so. */
  problem?: { kind: 'steps' | 'trigger'; message: string };
}

type Item = Record<string, unknown>;
type Params = Record<string, unknown>;

interface Context {
  path: string;
  unmapped: Unmapped[];
  /** Reads option `name` as X2CRM stores it, with `{variables}` turned into templates. */
  option(name: string): unknown;
}

const triggers: Readonly<Record<string, string>> = {
  RecordCreateTrigger: 'trigger.recordCreated',
  RecordUpdateTrigger: 'trigger.recordUpdated',
  RecordDeleteTrigger: 'trigger.recordDeleted',
  RecordViewTrigger: 'trigger.recordViewed',
  RecordTagAddTrigger: 'trigger.tagAdded',
  RecordTagRemoveTrigger: 'trigger.tagRemoved',
  ActionCompleteTrigger: 'trigger.taskCompleted',
  ActionOverdueTrigger: 'trigger.taskOverdue',
  PeriodicTrigger: 'trigger.periodic',
  UserLoginTrigger: 'trigger.userSignedIn',
  UserLogoutTrigger: 'trigger.userSignedOut',
  // Processes
  WorkflowStartTrigger: 'trigger.processStarted',
  WorkflowCompleteTrigger: 'trigger.processCompleted',
  WorkflowStartStageTrigger: 'trigger.stageStarted',
  WorkflowCompleteStageTrigger: 'trigger.stageCompleted',
  WorkflowRevertStageTrigger: 'trigger.stageReverted',
  // Parity
  ...parityTriggerTypes,
  // Marketing
  EmailOpenTrigger: 'trigger.emailOpened',
  CampaignEmailOpenTrigger: 'trigger.campaignEmailOpened',
  CampaignEmailClickTrigger: 'trigger.campaignEmailClicked',
  CampaignUnsubscribeTrigger: 'trigger.campaignUnsubscribed',
  NewsletterEmailClickTrigger: 'trigger.newsletterEmailClicked',
  NewsletterUnsubscribeTrigger: 'trigger.newsletterUnsubscribed',
  WebActivityTrigger: 'trigger.webActivity',
  CampaignWebActivityTrigger: 'trigger.campaignWebActivity',
  TargetedContentRequestTrigger: 'trigger.targetedContentRequested',
  // Connectors
  WebleadTrigger: 'trigger.webformSubmitted',
  InboundEmailTrigger: 'trigger.emailInbound',
  OutboundEmailTrigger: 'trigger.emailOutbound',
};

/** X2CRM's marketing triggers: about contacts, narrowed by a URL; their campaign or newsletter ids name nothing in Weft. */
const marketingTriggers = new Set([
  'EmailOpenTrigger',
  'CampaignEmailOpenTrigger',
  'CampaignEmailClickTrigger',
  'CampaignUnsubscribeTrigger',
  'NewsletterEmailClickTrigger',
  'NewsletterUnsubscribeTrigger',
  'WebActivityTrigger',
  'CampaignWebActivityTrigger',
  'TargetedContentRequestTrigger',
]);

// Connectors: X2CRM's email triggers filter on parts of the message; Weft's take "contains".
const emailFilters = ['from', 'to', 'subject', 'body'] as const;

function convertConnectorTrigger(x2type: string, trigger: Item, params: Params, unmapped: Unmapped[]): void {
  if (x2type === 'WebleadTrigger') {
    // One web form in X2CRM: Weft's trigger listens to every form unless narrowed to one.
    delete params.module;
    return;
  }
  if (x2type !== 'InboundEmailTrigger' && x2type !== 'OutboundEmailTrigger') return;
  const options = (trigger.options ?? {}) as Record<string, { value?: unknown; operator?: unknown }>;
  for (const name of emailFilters) {
    const entry = options[name];
    if (!entry || entry.value === undefined || entry.value === '') continue;
    const operator = String(entry.operator ?? 'contains');
    if (operator === 'contains' || operator === '=') params[name] = String(entry.value);
    else
      unmapped.push({
        path: `/trigger/options/${name}`,
        what: `${name} ${operator} ${String(entry.value)}`,
        reason: 'Weft’s email triggers filter with "contains" only; add a trigger condition instead',
      });
  }
}

/** X2CRM model classes whose Weft module name is not simply the lower-cased class. */
const modules: Readonly<Record<string, string>> = {
  Actions: 'tasks',
  Opportunity: 'opportunities',
  Quote: 'quotes',
};

const waitUnits: Readonly<Record<string, string>> = {
  secs: 'seconds',
  mins: 'minutes',
  hours: 'hours',
  days: 'days',
  weeks: 'weeks',
  months: 'months',
};

function attributes(item: Item, ctx: Context): Params {
  const list = Array.isArray(item.attributes) ? (item.attributes as Item[]) : [];
  return Object.fromEntries(
    list.map((a, i) => [String(a.name), text(a.value, `${ctx.path}/attributes/${i}`, ctx.unmapped)]),
  );
}

// Processes: X2CRM's process and stage numbers become placeholders to bind (x2crm-processes.ts).
function stageAction(type: string, comment: boolean) {
  return {
    type,
    params: (_item: Item, ctx: Context): Params => {
      const raw = (name: string) => ctx.option(name);
      noteBinding(ctx.unmapped, ctx.path, raw('workflowId'), raw('stageNumber'));
      return {
        processId: processPlaceholder(raw('workflowId')),
        stageId: stagePlaceholder(raw('workflowId'), raw('stageNumber')),
        ...(comment && raw('stageComment') ? { comment: raw('stageComment') } : {}),
      };
    },
  };
}

const processActions = {
  X2FlowWorkflowStartStage: stageAction('process.startStage', false),
  X2FlowWorkflowCompleteStage: stageAction('process.completeStage', true),
  X2FlowWorkflowRevertStage: stageAction('process.revertStage', false),
  X2FlowProcessStartStage: stageAction('process.startStage', false),
  X2FlowProcessCompleteStage: stageAction('process.completeStage', true),
  X2FlowProcessRevertStage: stageAction('process.revertStage', false),
  // "Terminates the most recent process": the record leaves it (engine/nodes/actions/process-end.ts).
  X2FlowWorkflowTerminateProcess: {
    type: 'process.end',
    params: (_item: Item, ctx: Context): Params => {
      noteBinding(ctx.unmapped, ctx.path, ctx.option('workflowId'));
      return { processId: processPlaceholder(ctx.option('workflowId')) };
    },
  },
};

const actions: Readonly<Record<string, { type: string; params: (item: Item, ctx: Context) => Params }>> = {
  X2FlowRecordUpdate: { type: 'record.update', params: (item, ctx) => ({ values: attributes(item, ctx) }) },
  X2FlowRecordDelete: { type: 'record.delete', params: () => ({}) },
  // Feed
  X2FlowCreateEvent: {
    type: 'feed.post',
    params: (_item, ctx) => feedPostParams(ctx),
  },
  X2FlowRecordChange: {
    type: 'record.switchRelated',
    params: (item, ctx) => ({ link: ctx.option('linkField'), module: moduleOf(item.linkType) }),
  },
  ...processActions,
  // Parity
  ...parityActions(attributes, moduleOf),
  // Marketing
  X2FlowRecordNewsletterAdd: {
    type: 'newsletter.add',
    params: (_item, ctx) => ({ newsletterId: foreignId(ctx, 'listId', 'newsletter') }),
  },
  X2FlowCampaignLaunch: {
    type: 'campaign.launch',
    params: (_item, ctx) => ({ campaignId: foreignId(ctx, 'campaign', 'campaign') }),
  },
  X2FlowSms: {
    type: 'sms.send',
    params: (_item, ctx) => {
      if (ctx.option('from') !== undefined)
        ctx.unmapped.push({
          path: `${ctx.path}/options/from`,
          what: 'Send As (Twilio credentials)',
          reason: 'Weft sends through the SMS settings (smsAccountSid, smsAuthToken, smsFromNumber)',
        });
      return { to: ctx.option('to'), body: ctx.option('message') };
    },
  },
  X2FlowPushWebContent: {
    type: 'web.pushContent',
    params: (_item, ctx) => ({ requestId: '{{trigger.requestId}}', content: ctx.option('content') ?? '' }),
  },
};

/**
 * An X2CRM record id (a campaign, a newsletter list) kept as written, with a note: it names
 * nothing in Weft until someone picks the Weft record it stands for.
 */
function foreignId(ctx: Context, option: string, what: string): unknown {
  const value = ctx.option(option);
  ctx.unmapped.push({
    path: `${ctx.path}/options/${option}`,
    what: `${what} ${String(value ?? '')}`.trim(),
    reason: `an X2CRM id names no Weft ${what}: choose the ${what} in this step`,
  });
  return value === undefined ? undefined : String(value);
}

function moduleOf(modelClass: unknown): string | undefined {
  if (typeof modelClass !== 'string' || modelClass === '') return undefined;
  return modules[modelClass] ?? modelClass.toLowerCase();
}

function text(value: unknown, path: string, unmapped: Unmapped[]): unknown {
  if (typeof value !== 'string') return value;
  if (value.startsWith('=')) {
    const result = evaluateFormula(value);
    if (result !== undefined) return result;
    unmapped.push({
      path,
      what: `formula ${value}`,
      reason: 'X2CRM formulas run PHP; only arithmetic is converted',
    });
    return value;
  }
  return convertText(value, path, unmapped);
}

function optionReader(options: unknown, path: string, unmapped: Unmapped[]): (name: string) => unknown {
  const table =
    options !== null && typeof options === 'object' && !Array.isArray(options) ? (options as Item) : {};
  return (name) => {
    const entry = table[name] as { value?: unknown } | undefined;
    return entry === undefined ? undefined : text(entry.value, `${path}/options/${name}/value`, unmapped);
  };
}

// Feed
/**
 * X2FlowCreateEvent's options: `type` (a post type from X2CRM's dropdown 113: social post,
 * note, …), `text`, `visibility` (1 public / 0 private, as numbers or strings), `user` (the
 * author: a username, or "auto" for the record's assignee), `feed` (whose feed: a username,
 * "auto" for the assignee, empty for none) and `createNotif`.
 */
function feedPostParams(ctx: Context): Params {
  const type = String(ctx.option('type') ?? '').toLowerCase();
  const visibility = ctx.option('visibility');
  const author = ctx.option('user');
  const feed = ctx.option('feed');
  const notify = ctx.option('createNotif');
  const named = (value: unknown) => typeof value === 'string' && value.trim() !== '' && value !== 'auto';
  return {
    text: ctx.option('text'),
    type: type.includes('note') ? 'note' : type.includes('social') || type === 'feed' ? 'post' : 'workflow',
    visibility:
      visibility === undefined
        ? undefined
        : ['0', 'private', 'false'].includes(String(visibility).toLowerCase())
          ? 'private'
          : 'public',
    ...(author === 'auto'
      ? { author: 'assignee' }
      : named(author)
        ? { author: 'user', authorUserId: author }
        : {}),
    ...(feed === 'auto' ? { feed: 'assignee' } : named(feed) ? { feed: 'user', targetUserId: feed } : {}),
    notify: notify === undefined ? undefined : [true, 1, '1', 'true'].includes(notify as string),
  };
}

/** Drops undefined params so that absent X2CRM options stay absent. */
function clean(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

function convertTrigger(source: Item, unmapped: Unmapped[]): Flow['trigger'] {
  const trigger = (source.trigger ?? {}) as Item;
  const x2type = String(trigger.type ?? '');
  const option = optionReader(trigger.options, '/trigger', unmapped);
  const params: Params = {};
  const module = moduleOf(trigger.modelClass ?? option('modelClass'));
  if (module) params.module = module;
  if (x2type === 'PeriodicTrigger') {
    const field = (name: string) => {
      const value = option(name);
      return Array.isArray(value) && value.length > 0 ? value.join(',') : '*';
    };
    params.cron = ['minutes', 'hours', 'dayOfMonth', 'month', 'dayOfWeek'].map(field).join(' ');
  }
  // Processes: the process (and stage) the trigger listens to, as placeholders to bind.
  if (x2type.startsWith('Workflow') && Object.hasOwn(triggers, x2type)) {
    params.processId = processPlaceholder(option('workflowId'));
    const stage = x2type.endsWith('StageTrigger') ? option('stageNumber') : undefined;
    if (stage !== undefined) params.stageId = stagePlaceholder(option('workflowId'), stage);
    noteBinding(unmapped, '/trigger', option('workflowId'), stage);
  }
  if (Array.isArray(trigger.conditions) && trigger.conditions.length > 0) {
    params.conditions = convertConditions(trigger.conditions, '/trigger/conditions', unmapped);
  }
  // Marketing
  if (marketingTriggers.has(x2type)) {
    params.module ??= 'contacts';
    const options = (trigger.options ?? {}) as Record<string, { value?: unknown; operator?: unknown }>;
    const url = option('url');
    if (typeof url === 'string' && url !== '') {
      params.url = url;
      const operator = options.url?.operator;
      if (operator !== undefined && operator !== 'contains')
        unmapped.push({
          path: '/trigger/options/url/operator',
          what: `URL ${String(operator)}`,
          reason: 'Weft filters URLs by "contains" only',
        });
    }
    for (const name of ['campaign', 'newsletter', 'template'])
      if (option(name) !== undefined && option(name) !== '')
        unmapped.push({
          path: `/trigger/options/${name}`,
          what: `${name} ${String(option(name))}`,
          reason: `an X2CRM id names no Weft ${name}: the trigger listens to every one until you choose it`,
        });
  }
  convertConnectorTrigger(x2type, trigger, params, unmapped);
  const type = triggers[x2type];
  if (!type) {
    unmapped.push({
      path: '/trigger',
      what: x2type,
      reason: `${unmappableTriggers[x2type] ?? 'no Weft trigger for this X2CRM trigger'}; imported as "Run by hand" until you choose a trigger`,
    });
  }
  return {
    type: type ?? 'trigger.manual',
    // Parity
    params: parityTriggerParams(x2type, trigger, option, params, unmapped),
    position: { x: 0, y: 0 },
  };
}

export function importX2crmFlow(source: unknown): ImportResult {
  const file = (source ?? {}) as Item;
  const unmapped: Unmapped[] = [];
  const nodes: FlowNode[] = [];
  const edges: FlowEdge[] = [];
  let generated = 0;
  let joins = 0;

  type End = { source: string; sourceHandle?: string };
  const connect = (ends: End[], target: string) => {
    for (const end of ends) {
      const id = `${end.source}-${end.sourceHandle ?? 'out'}-${target}`;
      edges.push({
        id,
        source: end.source,
        target,
        ...(end.sourceHandle ? { sourceHandle: end.sourceHandle } : {}),
      });
    }
  };
  const add = (id: string, type: string, params: Params, column: number, depth: number) => {
    nodes.push({ id, type, params: clean(params), position: { x: column * 280, y: depth * 140 } });
  };

  /** Emits a list of items after `ends`; returns the open ends it leaves, and the depth reached. */
  const emit = (
    items: unknown,
    path: string,
    ends: End[],
    column: number,
    depth: number,
  ): [End[], number] => {
    let open = ends;
    let row = depth;
    const list = Array.isArray(items) ? (items as Item[]) : [];
    list.forEach((item, index) => {
      const at = `${path}/${index}`;
      const x2type = String(item.type ?? '');
      const hasId = typeof item.id === 'number' || typeof item.id === 'string';
      if (!hasId) generated += 1;
      const id = hasId ? `n${item.id}` : `g${generated}`;
      const option = optionReader(item.options, at, unmapped);
      if (x2type === 'X2FlowSwitch') {
        add(
          id,
          'control.if',
          { condition: convertConditions(item.conditions, `${at}/conditions`, unmapped) },
          column,
          row,
        );
        connect(open, id);
        const [yes, yesDepth] = emit(
          item.trueBranch,
          `${at}/trueBranch`,
          [{ source: id, sourceHandle: 'true' }],
          column,
          row + 1,
        );
        const [no, noDepth] = emit(
          item.falseBranch,
          `${at}/falseBranch`,
          [{ source: id, sourceHandle: 'false' }],
          column + 1,
          row + 1,
        );
        open = [...yes, ...no];
        row = Math.max(yesDepth, noDepth);
        return;
      }
      if (x2type === 'X2FlowSplitter') {
        const upper = Array.isArray(item.upperBranch) ? item.upperBranch : [];
        const lower = Array.isArray(item.lowerBranch) ? item.lowerBranch : [];
        if (upper.length === 0 && lower.length === 0) {
          unmapped.push({
            path: at,
            what: x2type,
            reason: 'both branches are empty: nothing to run, so no node',
          });
          return;
        }
        add(id, 'control.parallel', {}, column, row);
        connect(open, id);
        const [up, upDepth] = emit(upper, `${at}/upperBranch`, [{ source: id }], column, row + 1);
        const [down, downDepth] = emit(lower, `${at}/lowerBranch`, [{ source: id }], column + 1, row + 1);
        row = Math.max(upDepth, downDepth);
        // Branches that must meet again (items follow the splitter) meet at a join.
        if (index < list.length - 1) {
          joins += 1;
          const join = `join${joins}`;
          add(join, 'control.join', {}, column, row);
          connect(
            [...up, ...down].filter((end) => end.source !== id),
            join,
          );
          if (upper.length === 0 || lower.length === 0) connect([{ source: id }], join);
          open = [{ source: join }];
          row += 1;
        } else {
          open = [];
        }
        return;
      }
      if (x2type === 'X2FlowWait') {
        const amount = Number(option('delay'));
        const unit = waitUnits[String(option('unit'))];
        if (!unit || !Number.isFinite(amount)) {
          unmapped.push({
            path: at,
            what: x2type,
            reason: 'the delay is not a number of known units; waits 0 seconds',
          });
        }
        add(
          id,
          'control.wait',
          { duration: { amount: unit && Number.isFinite(amount) ? amount : 0, unit: unit ?? 'seconds' } },
          column,
          row,
        );
      } else {
        const action = actions[x2type];
        if (!action) {
          unmapped.push({
            path: at,
            what: x2type,
            reason: `${unmappableActions[x2type] ?? 'no Weft action for this X2CRM action'}; left out of the chain`,
          });
          return;
        }
        add(id, action.type, action.params(item, { path: at, unmapped, option }), column, row);
      }
      connect(open, id);
      open = [{ source: id }];
      row += 1;
    });
    return [open, row];
  };

  const trigger = convertTrigger(file, unmapped);
  emit(file.items, '/items', [{ source: triggerId }], 0, 1);
  // Parity: a flow that would do nothing, or wait for an event Weft never sends, stays a draft.
  const items = Array.isArray(file.items) ? file.items.length : 0;
  const x2trigger = String(((file.trigger ?? {}) as Item).type ?? '');
  const problem: ImportResult['problem'] =
    items === 0
      ? { kind: 'steps', message: 'The X2CRM flow has no steps: add at least one before publishing' }
      : nodes.length === 0
        ? {
            kind: 'steps',
            message: `None of the X2CRM flow's ${items} step(s) has a Weft counterpart (see unmapped): add at least one before publishing`,
          }
        : !triggers[x2trigger]
          ? {
              kind: 'trigger',
              message: `The X2CRM trigger ${x2trigger || '(none)'} has no Weft counterpart: choose a trigger before publishing`,
            }
          : undefined;
  const flow: Flow = {
    name: typeof file.flowName === 'string' && file.flowName !== '' ? file.flowName : 'Imported X2CRM flow',
    ...(typeof file.flowDesc === 'string' && file.flowDesc !== '' ? { description: file.flowDesc } : {}),
    trigger,
    nodes,
    edges,
  };
  return { flow, unmapped, bindings: bindingsOf(flow), ...(problem ? { problem } : {}) };
}
