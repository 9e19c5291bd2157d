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

export type { Unmapped };

export interface ImportResult {
  flow: Flow;
  unmapped: Unmapped[];
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
  MacroTrigger: 'trigger.manual',
  PeriodicTrigger: 'trigger.periodic',
  UserLoginTrigger: 'trigger.userSignedIn',
  UserLogoutTrigger: 'trigger.userSignedOut',
  // Connectors
  WebleadTrigger: 'trigger.webformSubmitted',
  InboundEmailTrigger: 'trigger.emailInbound',
  OutboundEmailTrigger: 'trigger.emailOutbound',
};

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

const actions: Readonly<Record<string, { type: string; params: (item: Item, ctx: Context) => Params }>> = {
  X2FlowRecordUpdate: { type: 'record.update', params: (item, ctx) => ({ values: attributes(item, ctx) }) },
  X2FlowRecordCreate: {
    type: 'record.create',
    params: (item, ctx) => ({ module: moduleOf(item.modelClass), values: attributes(item, ctx) }),
  },
  X2FlowRecordDelete: { type: 'record.delete', params: () => ({}) },
  X2FlowRecordReassign: {
    type: 'record.assign',
    params: (_item, ctx) =>
      ctx.option('user') === 'auto' ? { to: 'routing' } : { to: 'user', assignee: ctx.option('user') },
  },
  X2FlowRecordTag: {
    type: 'record.tags',
    params: (_item, ctx) => ({
      action: ctx.option('action') ?? 'add',
      tags: String(ctx.option('tags') ?? '')
        .split(',')
        .map((t) => t.trim())
        .filter((t) => t !== ''),
    }),
  },
  X2FlowRecordListAdd: { type: 'list.add', params: (_item, ctx) => ({ listId: ctx.option('listId') }) },
  X2FlowRecordListRemove: { type: 'list.remove', params: (_item, ctx) => ({ listId: ctx.option('listId') }) },
  X2FlowCreateAction: {
    type: 'task.create',
    params: (_item, ctx) => ({ subject: ctx.option('subject'), description: ctx.option('description') }),
  },
  X2FlowRecordComment: {
    type: 'record.comment',
    params: (_item, ctx) => ({ text: ctx.option('comment'), authorId: ctx.option('assignedTo') }),
  },
  X2FlowCreateEvent: {
    type: 'feed.post',
    params: (_item, ctx) => ({ text: ctx.option('text'), visibility: ctx.option('visibility') }),
  },
  X2FlowCreateNotif: {
    type: 'notification.create',
    params: (_item, ctx) => ({ userId: ctx.option('user'), text: ctx.option('text') }),
  },
  X2FlowEmail: {
    type: 'email.send',
    params: (_item, ctx) => ({
      to: ctx.option('to'),
      subject: ctx.option('subject'),
      body: ctx.option('body'),
    }),
  },
  X2FlowRecordEmail: {
    type: 'email.send',
    params: (_item, ctx) => ({
      to: '{{record.email}}',
      subject: ctx.option('subject'),
      body: ctx.option('body'),
    }),
  },
  X2FlowApiCall: {
    type: 'http.request',
    params: (item, ctx) => {
      const headers = Array.isArray(item.headerRows) ? (item.headerRows as Item[]) : [];
      return {
        url: ctx.option('url'),
        method: ctx.option('method') ?? 'GET',
        headers: Object.fromEntries(headers.map((h) => [String(h.name), String(h.value)])),
        body: attributes(item, ctx),
      };
    },
  },
  X2FlowRecordChange: {
    type: 'record.switchRelated',
    params: (item, ctx) => ({ link: ctx.option('linkField'), module: moduleOf(item.linkType) }),
  },
};

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

/** Drops undefined params so that absent X2CRM options stay absent. */
function clean(params: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([, value]) => value !== undefined));
}

/** A duration in the largest unit that keeps it whole. */
function seconds(total: number): { amount: number; unit: string } {
  for (const [unit, size] of [
    ['weeks', 604_800],
    ['days', 86_400],
    ['hours', 3_600],
    ['minutes', 60],
  ] as const) {
    if (total % size === 0 && total >= size) return { amount: total / size, unit };
  }
  return { amount: total, unit: 'seconds' };
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
  if (x2type === 'ActionOverdueTrigger') {
    const duration = option('duration');
    if (typeof duration === 'number') params.overdueBy = seconds(duration);
  }
  if (Array.isArray(trigger.conditions) && trigger.conditions.length > 0) {
    params.conditions = convertConditions(trigger.conditions, '/trigger/conditions', unmapped);
  }
  convertConnectorTrigger(x2type, trigger, params, unmapped);
  const type = triggers[x2type];
  if (!type) {
    unmapped.push({
      path: '/trigger',
      what: x2type,
      reason: 'no Weft trigger for this X2CRM trigger; imported as manual',
    });
  }
  return { type: type ?? 'trigger.manual', params, position: { x: 0, y: 0 } };
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
            reason: 'no Weft action for this X2CRM action; left out of the chain',
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
  const flow: Flow = {
    name: typeof file.flowName === 'string' && file.flowName !== '' ? file.flowName : 'Imported X2CRM flow',
    ...(typeof file.flowDesc === 'string' && file.flowDesc !== '' ? { description: file.flowDesc } : {}),
    trigger,
    nodes,
    edges,
  };
  return { flow, unmapped };
}
