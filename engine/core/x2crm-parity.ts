/**
 * The X2CRM 7.1 trigger and action classes of `components/x2flow/{triggers,actions}` that are
 * not processes, web forms, email or marketing: their Weft counterparts, the option codes X2CRM
 * stores decoded (priorities "1"–"3", visibility "1"/"0", numbers as text, usernames and ids),
 * and, for the few with no counterpart, the specific reason (also in engine/README.md).
 */
import type { Unmapped } from './x2crm-conditions.ts';
import { type RefKind, x2ref } from './x2crm-refs.ts';

type Item = Record<string, unknown>;
type Params = Record<string, unknown>;

export interface MapContext {
  path: string;
  unmapped: Unmapped[];
  /** Reads option `name` as X2CRM stores it, with `{variables}` turned into templates. */
  option(name: string): unknown;
}

export interface ActionMapping {
  type: string;
  params: (item: Item, ctx: MapContext) => Params;
}

/** An X2CRM option whose value names a user, group or X2CRM record; X2CRM `{assignedTo}` is already a template here. */
export function assignee(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '' || value === 'Anyone') return undefined;
  const text = String(value);
  if (text === '{{user.username}}') return '{{user.id}}';
  if (text.startsWith('{{')) return text;
  // X2CRM's assignment options list groups by their numeric id and users by username.
  return /^\d+$/.test(text) ? x2ref('group', text) : x2ref('user', text);
}

/** An X2CRM id option (a list, a record…) as a reference the admin binds to a Weft id. */
export function idRef(kind: RefKind, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = String(value);
  return text.startsWith('{{') ? text : x2ref(kind, text);
}

/** X2CRM stores booleans as "1"/"0", true/false or "true"/"false". */
export function flag(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return value === true || value === 1 || value === '1' || value === 'true';
}

const priorities: Readonly<Record<string, string>> = {
  '1': 'Low',
  '2': 'Medium',
  '3': 'High',
  Low: 'Low',
  Medium: 'Medium',
  High: 'High',
};

function visibilityOf(value: unknown): 'public' | 'private' | undefined {
  const decoded = flag(value);
  return decoded === undefined ? undefined : decoded ? 'public' : 'private';
}

function tagsOf(value: unknown): string[] {
  const list = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',');
  return list.map((tag) => tag.trim().replace(/^#/, '')).filter((tag) => tag !== '');
}

function addresses(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return Array.isArray(value) ? value.map(String).join(', ') : String(value);
}

/** Options Weft has no place for are named, so the admin knows what changed. */
function dropped(ctx: MapContext, name: string, reason: string): void {
  const value = ctx.option(name);
  if (value === undefined || value === '' || value === false || value === '0' || value === 0) return;
  ctx.unmapped.push({ path: `${ctx.path}/options/${name}`, what: `option ${name}`, reason });
}

function emailParams(ctx: MapContext, to: unknown): Params {
  const body = ctx.option('body');
  dropped(
    ctx,
    'template',
    'X2CRM email templates are not imported; the subject and body are used as written',
  );
  dropped(ctx, 'from', 'X2CRM sending credentials are not imported; Weft sends from its configured address');
  dropped(ctx, 'doNotEmailLink', 'Weft adds no "Do Not Email" link to flow emails; add one to the body');
  dropped(ctx, 'category', 'X2CRM email categories have no Weft equivalent');
  const html = typeof body === 'string' && /<[a-z][\s\S]*>/i.test(body);
  return {
    to: addresses(to),
    cc: addresses(ctx.option('cc')),
    bcc: addresses(ctx.option('bcc')),
    subject: ctx.option('subject') || '(no subject)',
    ...(html ? { html: body } : { body: typeof body === 'string' ? body : '' }),
  };
}

/** Attributes of an X2FlowRecordUpdate / X2FlowRecordCreate / X2FlowApiCall. */
export type AttributeReader = (item: Item, ctx: MapContext) => Params;

/** Actions: the importer's table takes these after its own entries. */
export function parityActions(
  attributes: AttributeReader,
  moduleOf: (modelClass: unknown) => string | undefined,
): Record<string, ActionMapping> {
  return {
    X2FlowRecordCreate: {
      type: 'record.create',
      params: (item, ctx) => {
        if (flag(ctx.option('createRelationship'))) {
          ctx.unmapped.push({
            path: `${ctx.path}/options/createRelationship`,
            what: 'option createRelationship',
            reason:
              'Weft relates records through a link field: set "Relate to the current record by" to the new record\'s link field',
          });
        }
        return {
          module: moduleOf(item.modelClass ?? ctx.option('modelClass')),
          values: attributes(item, ctx),
        };
      },
    },
    X2FlowRecordReassign: {
      type: 'record.assign',
      params: (_item, ctx) => {
        const user = ctx.option('user');
        return user === 'auto' ? { to: 'routing' } : { to: 'user', assignee: assignee(user) };
      },
    },
    X2FlowRecordTag: {
      type: 'record.tags',
      params: (_item, ctx) => {
        const action = String(ctx.option('action') ?? 'add');
        return {
          action: ['add', 'remove', 'clear'].includes(action) ? action : 'add',
          ...(action === 'clear' ? {} : { tags: tagsOf(ctx.option('tags')) }),
        };
      },
    },
    X2FlowRecordListAdd: {
      type: 'list.add',
      params: (_item, ctx) => ({ listId: idRef('list', ctx.option('listId')) }),
    },
    X2FlowRecordListRemove: {
      type: 'list.remove',
      params: (_item, ctx) => ({ listId: idRef('list', ctx.option('listId')) }),
    },
    X2FlowCreateAction: {
      type: 'task.create',
      params: (_item, ctx) => {
        dropped(ctx, 'color', 'Weft tasks have no calendar colour');
        const priority = ctx.option('priority');
        const due = ctx.option('dueDate');
        return {
          subject: ctx.option('subject') || '(no subject)',
          description: ctx.option('description'),
          dueDate: typeof due === 'number' ? new Date(due * 1000).toISOString() : due || undefined,
          priority: priority === undefined ? undefined : priorities[String(priority)],
          visibility: visibilityOf(ctx.option('visibility')),
          assignedTo: assignee(ctx.option('assignedTo')),
          // X2CRM's "Create Action" makes a task of its own, not one on the record.
          onRecord: false,
        };
      },
    },
    X2FlowRecordCreateAction: {
      type: 'task.create',
      params: (_item, ctx) => ({
        subject: ctx.option('subject') || '(no subject)',
        description: ctx.option('description'),
        onRecord: true,
        // X2CRM copies the record's assignee (task.create's default), priority and visibility.
        copyFromRecord: true,
      }),
    },
    X2FlowRecordComment: {
      type: 'record.comment',
      params: (_item, ctx) => ({
        text: ctx.option('comment') || ' ',
        authorId: assignee(ctx.option('assignedTo')),
      }),
    },
    X2FlowCreateNotif: {
      type: 'notification.create',
      params: (_item, ctx) => ({ userId: assignee(ctx.option('user')), text: ctx.option('text') ?? '' }),
    },
    X2FlowEmail: { type: 'email.send', params: (_item, ctx) => emailParams(ctx, ctx.option('to')) },
    X2FlowRecordEmail: { type: 'email.send', params: (_item, ctx) => emailParams(ctx, '{{record.email}}') },
    X2FlowApiCall: {
      type: 'http.request',
      params: (item, ctx) => {
        const headers = Array.isArray(item.headerRows) ? (item.headerRows as Item[]) : [];
        const json = flag(ctx.option('jsonPayload')) === true;
        let body: unknown = attributes(item, ctx);
        if (json) {
          const blob = ctx.option('jsonBlob');
          try {
            body = typeof blob === 'string' && blob.trim() !== '' ? JSON.parse(blob) : {};
          } catch {
            body = blob;
            ctx.unmapped.push({
              path: `${ctx.path}/options/jsonBlob`,
              what: 'option jsonBlob',
              reason: 'the JSON payload does not parse (it holds X2CRM variables?); sent as text',
            });
          }
        }
        const method = String(ctx.option('method') ?? 'GET').toUpperCase();
        return {
          url: ctx.option('url'),
          method: ['GET', 'POST', 'PUT', 'DELETE'].includes(method) ? method : 'GET',
          headers: Object.fromEntries(headers.map((h) => [String(h.name), String(h.value)])),
          ...(method === 'GET' && Object.keys(body as object).length === 0 ? {} : { body }),
        };
      },
    },
  };
}

/**
 * X2CRM classes with no Weft counterpart, each with the specific reason. Listed here (and in
 * engine/README.md) so that an import names the reason instead of a generic "unknown".
 */
export const unmappableTriggers: Readonly<Record<string, string>> = {
  LocationTrigger:
    'Weft records no contact locations (X2CRM logged them from its mobile app and web tracker), so nothing could fire it',
  VoipInboundTrigger: 'Weft has no telephony (VoIP) integration that reports inbound calls',
  RecordInactiveTrigger:
    'X2CRM 7.1 ships it as incomplete (not offered in its designer); a periodic flow with a "last updated before" condition does the same',
};

export const unmappableActions: Readonly<Record<string, string>> = {
  X2FlowCreateReminder:
    'X2CRM 7.1 ships it as incomplete: it does nothing when it runs; use "Create notification" for the same purpose',
};

/** X2CRM trigger classes that map to a trigger added by this table (the importer's own table has the rest). */
export const parityTriggerTypes: Readonly<Record<string, string>> = {
  ActionUncompleteTrigger: 'trigger.taskUncompleted',
  ActionCreateTrigger: 'trigger.recordCreated',
  MacroTrigger: 'trigger.macro',
};

const overdueUnits: Readonly<Record<string, [string, number]>> = {
  mins: ['minutes', 1],
  hours: ['hours', 1],
  days: ['days', 1],
  months: ['days', 30],
};

type RawOptions = Record<string, { value?: unknown; operator?: unknown } | undefined>;

/**
 * Trigger params X2CRM stores as option codes, decoded. `params` holds what the importer
 * computed (module, conditions); the result replaces it.
 */
export function parityTriggerParams(
  x2type: string,
  trigger: Item,
  option: (name: string) => unknown,
  params: Params,
  unmapped: Unmapped[],
): Params {
  const raw: RawOptions =
    trigger.options !== null && typeof trigger.options === 'object' && !Array.isArray(trigger.options)
      ? (trigger.options as RawOptions)
      : {};
  const and = (rule: unknown): unknown =>
    params.conditions === undefined || params.conditions === true ? rule : { and: [params.conditions, rule] };
  switch (x2type) {
    case 'ActionUncompleteTrigger':
    case 'ActionCreateTrigger':
      return { ...params, module: 'tasks' };
    case 'MacroTrigger':
      // X2CRM offers every macro to every user who can see the record.
      return { module: params.module ?? 'contacts', roles: ['*'], ...params };
    case 'ActionOverdueTrigger': {
      const duration = Number(option('duration'));
      if (raw.duration !== undefined && Number.isFinite(duration)) {
        return { ...params, module: 'tasks', overdueBy: wholeSeconds(duration) };
      }
      // The 3.x class: a time and a unit.
      const unit = overdueUnits[String(option('unit'))];
      const time = Number(option('time'));
      if (unit && Number.isFinite(time)) {
        return { ...params, module: 'tasks', overdueBy: { amount: time * unit[1], unit: unit[0] } };
      }
      return { ...params, module: 'tasks', overdueBy: params.overdueBy ?? { amount: 0, unit: 'seconds' } };
    }
    case 'RecordTagAddTrigger':
    case 'RecordTagRemoveTrigger': {
      const tags = tagsOf(option('tags'));
      if (tags.length === 1) return { ...params, tag: tags[0] };
      if (tags.length > 1) {
        return { ...params, conditions: and({ inList: [{ var: 'trigger.tag' }, tags] }) };
      }
      return params;
    }
    case 'UserLoginTrigger':
    case 'UserLogoutTrigger': {
      const { module: _module, ...rest } = params;
      const entry = raw.user;
      const value = entry?.value;
      if (value === undefined || value === '' || value === 'Anyone') return rest;
      const operator = String(entry?.operator ?? '=');
      const users = (Array.isArray(value) ? value : String(value).split(','))
        .map((name) => assignee(String(name).trim()))
        .filter((name): name is string => name !== undefined);
      const subject = { var: 'trigger.userId' };
      const rule =
        operator === '<>' || operator === '!='
          ? { '!=': [subject, users[0]] }
          : operator === 'list'
            ? { inList: [subject, users] }
            : operator === 'notList'
              ? { notInList: [subject, users] }
              : { '==': [subject, users[0]] };
      if (users.some((user) => user.startsWith('x2crm:group:'))) {
        unmapped.push({
          path: '/trigger/options/user',
          what: 'option user',
          reason: 'a group in a sign-in trigger compares the user with the group id; bind it to a Weft user',
        });
      }
      return { ...rest, conditions: and(rule) };
    }
    default:
      return params;
  }
}

function wholeSeconds(total: number): { amount: number; unit: string } {
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
