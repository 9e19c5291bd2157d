import type { PgBoss } from 'pg-boss';
import { FieldValueError, toFieldTypes } from '../../engine/core/field-values.ts';
import { NonRetriableError } from '../../engine/runtime/errors.ts';
import { atBatchEnd, isBatch, writeHeld } from '../../engine/runtime/held-writes.ts';
import type { RunInfo } from '../../engine/runtime/runtime.ts';
import type { EngineServices, FactServices } from '../../engine/runtime/services.ts';
import type { EngineDb } from '../../engine/runtime/tables.ts';
import { createPost } from '../collaboration/feed.ts';
import { holdPostInBatch, userExists, writeHeldWrites } from '../collaboration/feed-posts.ts';
import { notify } from '../collaboration/notifications.ts';
import type { Db } from '../db/index.ts';
import { queueEmail, recipientAddresses } from '../email/email.ts';
import { onlineUserIds } from '../identity/presence.ts';
import { marketingServices } from '../marketing/engine-marketing.ts';
import { unsubscribedFromAll } from '../marketing/tracking.ts';
import type { Actor } from '../platform/audit.ts';
import type { Principal } from '../platform/authz.ts';
import { invalid, WeftError } from '../platform/errors.ts';
import { guardedFetch } from '../platform/http-client.ts';
import { currentSettings, pinSettings, SettingsService } from '../platform/settings.ts';
import { changeProgress } from '../processes/progress.ts';
import { stageStatusAmong } from '../processes/status.ts';
import { holdRecordWrites, holdsRecordWrites } from '../records/held-writes.ts';
import { maskHiddenValues } from '../records/hidden-values.ts';
import { changeMembers, isOnList, listMembersAmong } from '../records/lists.ts';
import { listRecords } from '../records/record-list.ts';
import {
  createRecord,
  deleteRecord,
  getRecord,
  pinRoutingSwitches,
  updateRecord,
} from '../records/records.ts';
import { addTags, removeTags } from '../records/tags.ts';
import { routeRecord } from '../routing/routing.ts';
import { getModule, pinModules } from '../studio/modules.ts';
import { runCodeStep } from './code-sandbox.ts';
import { loadLinks } from './run-data.ts';

/**
 * A flow's values converted to their fields' types (a template renders text): a value that
 * cannot be is a 400 naming the field and the value, so the step fails as the user's error.
 */
async function typed(
  db: Db,
  module: string,
  values: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const { fields } = await getModule(db, module);
  try {
    return toFieldTypes(fields, values);
  } catch (error) {
    if (error instanceof FieldValueError) throw invalid(error.field, error.reason);
    throw error;
  }
}

/**
 * Flows act with full rights, in the name of the user who created the flow (so that
 * records they create have an owner and the changelog names someone who can answer for
 * the flow). Every write carries the run's causation: the chain's first event and depth.
 */
export async function engineServices(
  trx: EngineDb,
  run: RunInfo,
  deps: { boss?: PgBoss | null } = {},
): Promise<EngineServices> {
  // The engine and the server share one database: the runtime's view of a transaction is the server's.
  const db = trx as unknown as Db;
  // No action changes module definitions: the step's transaction (a batch of steps, often)
  // reads the schema token once for all of its record writes.
  pinModules(db);
  // Nor does any change routing settings: the batch reads each module's routing switch once.
  pinRoutingSwitches(db);
  // Nor the workspace's settings: their token is read once per batch too.
  pinSettings(db);
  // In a batch of steps, record writes and feed posts hold their changelog rows, events and
  // posts for one statement at the batch's end (records/held-writes.ts).
  const batch = isBatch(trx);
  if (batch && !holdsRecordWrites(db)) {
    holdRecordWrites(db);
    atBatchEnd(trx, () => writeHeldWrites(db));
  }
  const flow =
    run.flow ??
    (await db
      .selectFrom('flows')
      .select(['createdBy', 'name'])
      .where('id', '=', run.flowId)
      .executeTakeFirstOrThrow());
  const causationRoot =
    run.causationRoot !== undefined
      ? run.causationRoot
      : run.eventId
        ? await db
            .selectFrom('events')
            .select(['id', 'causationId'])
            .where('id', '=', run.eventId)
            .executeTakeFirst()
            .then((event) => (event ? (event.causationId ?? event.id) : null))
        : null;
  const causation = { causationId: causationRoot ?? 0, depth: run.depth + 1 };
  const ownerId =
    flow.createdBy ??
    (await db.selectFrom('users').select('id').orderBy('createdAt').executeTakeFirstOrThrow()).id;
  const principal: Principal = {
    id: ownerId,
    username: `workflow:${flow.name}`,
    isAdmin: true,
    roleIds: [],
    groupIds: [],
    permissions: {},
  };
  const actor: Actor = { id: ownerId, username: `workflow:${flow.name}` };
  const options = causationRoot !== null ? { causation } : {};
  // A test run's email stays in the (rolled-back) outbox and its HTTP requests are not sent.
  const testRun = run.test === true;
  const facts = factServices(db);
  // What the batch holds is written before any other service runs, so that rows keep the
  // order of the writes that made them (a process stage's changelog row after the update before it).
  const beforeCall = batch
    ? (area: PropertyKey, name: PropertyKey) => (holdsOrReads(area, name) ? undefined : writeHeld(trx))
    : undefined;
  return nonRetriableOnUserErrors(beforeCall, {
    ...(facts.links && { links: facts.links }),
    records: {
      get: (module, id) => getRecord(db, principal, module, id).catch(() => null),
      // A step's output is data for later steps, not a screen: no display names.
      create: async (module, values) =>
        createRecord(db, principal, actor, module, await typed(db, module, values), {
          ...options,
          display: false,
        }),
      update: async (module, id, values) =>
        updateRecord(db, principal, actor, module, id, await typed(db, module, values), {
          ...options,
          display: false,
        }),
      delete: (module, id) => deleteRecord(db, principal, actor, module, id, options).then(() => undefined),
      find: async (module, query) => {
        const page = await listRecords(db, principal, module, {
          limit: query.limit,
          sort: query.sort,
          where: query.where === undefined ? undefined : JSON.stringify(query.where),
        });
        return { items: page.items, more: page.nextCursor !== null };
      },
      linkOf: async (module, name) => {
        const field = (await getModule(db, module)).fields.find((candidate) => candidate.name === name);
        if (field?.type !== 'link') throw invalid(name, `is not a link field of ${module}`);
        const { module: target, moduleField } = field.options;
        return {
          module: typeof target === 'string' ? target : null,
          moduleField: typeof moduleField === 'string' ? moduleField : null,
        };
      },
    },
    tags: {
      add: async (module, id, tags) => tagsOf(await addTags(db, principal, actor, module, id, tags, options)),
      remove: async (module, id, tags) =>
        tagsOf(await removeTags(db, principal, actor, module, id, tags, options)),
      clear: async (module, id) => {
        const current = tagsOf(await getRecord(db, principal, module, id));
        return tagsOf(await removeTags(db, principal, actor, module, id, current, options));
      },
    },
    lists: {
      add: (listId, recordId) => changeMembers(db, principal, listId, [recordId], 'add'),
      remove: (listId, recordId) => changeMembers(db, principal, listId, [recordId], 'remove'),
      has: (listId, recordId) => isOnList(db, listId, recordId),
      membersAmong: facts.lists.membersAmong,
    },
    presence: {
      isOnline: async (userId) => (await onlineUserIds(db, new SettingsService(db))).includes(userId),
      onlineAmong: facts.presence.onlineAmong,
    },
    feed: {
      post: async ({ authorId, targetUserId, orNobody = [], ...input }) => {
        const lenient = (param: 'authorId' | 'targetUserId') => orNobody.includes(param);
        const author =
          authorId === 'owner' ? ownerId : await userIdOf(db, authorId, 'authorId', lenient('authorId'));
        const target = await userIdOf(db, targetUserId, 'targetUserId', lenient('targetUserId'));
        // One text for every reader: values of fields some role hides are masked (records/hidden-values.ts).
        const text =
          input.module && input.recordId
            ? await maskHiddenValues(db, input.module, input.recordId, input.text)
            : input.text;
        const post = {
          ...input,
          text,
          authorId: author,
          targetUserId: target,
          type: input.type ?? 'workflow',
        };
        // A post that notifies someone is written at once: the notification refers to it.
        const notifies = input.notifyTarget === true && target !== null && target !== author;
        const held = !notifies && (await holdPostInBatch(db, post));
        if (held) return held;
        // Written at once, after what the batch holds: posts keep the order of their steps.
        if (batch) await writeHeld(trx);
        return createPost(db, post);
      },
    },
    notifications: {
      notify: (input) => notify(db, { ...input, type: 'custom' }),
    },
    routing: {
      route: async (module, record) => (await routeRecord(db, module, record)).assignee,
      routeNow: async (module, record) => {
        const { assignee, reason } = await routeRecord(db, module, record, { onDemand: true });
        return { assignee, reason };
      },
    },
    email: {
      send: async ({ doNotEmail, text, html, cc, bcc, from, ...message }) => {
        // Read in the step's transaction, uncached: a setting just changed applies to the next step.
        const settings = await new SettingsService(db).get();
        const draft = {
          ...message,
          // "The flow's acting user" is the flow's owner, in whose name it acts.
          from: from && 'flowUser' in from ? { user: ownerId } : from,
          cc: cc ?? null,
          bcc: bcc ?? null,
          text: text ?? null,
          html: html ?? null,
        };
        if (
          doNotEmail &&
          settings.respectDoNotEmail &&
          recipientAddresses(draft).includes(doNotEmail.toLowerCase())
        ) {
          return {
            skipped: 'doNotEmail',
            reason: `${doNotEmail} asked not to be emailed (doNotEmail), and the respectDoNotEmail setting is on`,
          };
        }
        // An address that unsubscribed from all email (or bounced too often) is not emailed either.
        const unsubscribed = settings.respectDoNotEmail
          ? await unsubscribedFromAll(db, recipientAddresses(draft))
          : [];
        if (unsubscribed.length > 0) {
          return {
            skipped: 'doNotEmail',
            reason: `${unsubscribed.join(', ')} unsubscribed from all email, and the respectDoNotEmail setting is on`,
          };
        }
        const test = testRun;
        const queued = await queueEmail(db, test ? null : (deps.boss ?? null), settings, {
          ...draft,
          runId: test ? null : run.runId,
          causation: options.causation,
        });
        return { messageId: queued.messageId, status: queued.status };
      },
    },
    processes: {
      change: async ({ processId, module, recordId, action, stageId, comment }) => {
        const settings = await currentSettings(db);
        const progress = await changeProgress(
          db,
          principal,
          actor,
          settings,
          { processId, module, recordId, changes: [{ action, stageId, comment }] },
          { ...options, author: null, names: false },
        );
        return {
          processId: progress.processId,
          currentStage: progress.currentStage,
          completed: progress.completed,
          stages: progress.stages.map((stage) => ({ id: stage.id, name: stage.name, status: stage.status })),
        };
      },
      statusAmong: facts.processes.statusAmong,
    },
    code: {
      // Linked records as the flow's owner may see them (field permissions).
      run: (request) => runCodeStep(db, request, { viewerId: ownerId }),
    },
    marketing: marketingServices(db, { boss: deps.boss ?? null, user: { id: ownerId }, testRun }),
    http: {
      request: async (request) => {
        if (testRun) {
          const { signal: _signal, ...captured } = request;
          return { status: 0, headers: {}, body: { captured } };
        }
        const { httpAllowList } = await new SettingsService(db).get();
        const { url: _url, ...answer } = await guardedFetch(request, httpAllowList);
        return answer;
      },
    },
  });
}

/**
 * What conditions read from the database (`userOnline`, `onList`: engine/runtime/facts.ts),
 * on any connection: the dispatcher tests trigger conditions before a run exists.
 */
export function factServices(db: Db): FactServices {
  return {
    links: { load: (record, paths) => loadLinks(db, record, paths) },
    lists: { membersAmong: (listId, recordIds) => listMembersAmong(db, listId, recordIds) },
    presence: {
      onlineAmong: async (userIds) => {
        const online = new Set(await onlineUserIds(db, new SettingsService(db)));
        return userIds.filter((id) => online.has(id));
      },
    },
    processes: { statusAmong: (processId, recordIds) => stageStatusAmong(db, processId, recordIds) },
  };
}

/**
 * A 4xx from a service is the flow's own mistake (a bad value, a missing record):
 * retrying cannot fix it, so the step fails at once and says why.
 */
function nonRetriableOnUserErrors(
  beforeCall: ((area: PropertyKey, name: PropertyKey) => Promise<void> | undefined) | undefined,
  services: EngineServices,
): EngineServices {
  // Wrapped as they are called (a step calls one or two of the forty), not all up front:
  // building every wrapper for every step was a measurable part of a step's CPU (issue 19).
  const areas = new Map<PropertyKey, unknown>();
  return new Proxy(services, {
    get(target, area, receiver) {
      const calls = Reflect.get(target, area, receiver) as unknown;
      if (calls === null || typeof calls !== 'object') return calls;
      let wrapped = areas.get(area);
      if (!wrapped) {
        const made = new Map<PropertyKey, unknown>();
        wrapped = new Proxy(calls, {
          get(callsTarget, name, callsReceiver) {
            const call = Reflect.get(callsTarget, name, callsReceiver) as unknown;
            if (typeof call !== 'function') return call;
            let wrapper = made.get(name);
            if (!wrapper) {
              wrapper = userErrorsNonRetriable(
                call as (...args: never[]) => Promise<unknown>,
                beforeCall && (() => beforeCall(area, name)),
              );
              made.set(name, wrapper);
            }
            return wrapper;
          },
        });
        areas.set(area, wrapped);
      }
      return wrapped;
    },
  });
}

function userErrorsNonRetriable<F extends (...args: never[]) => Promise<unknown>>(
  call: F,
  before?: () => Promise<void> | undefined,
): F {
  return (async (...args: Parameters<F>) => {
    try {
      await before?.();
      return await call(...args);
    } catch (error) {
      if (error instanceof WeftError && error.statusCode < 500) {
        const rule =
          error.code === 'WEFT_ERR_PROCESS_RULE'
            ? (error.details as { rule?: string }[])[0]?.rule
            : undefined;
        const message = rule ? `process rule "${rule}" refused: ${error.message}` : error.message;
        throw new NonRetriableError(message, { owner: 'user', cause: error });
      }
      throw error;
    }
  }) as F;
}

/**
 * A user named by a flow's param: an id, or a username (X2CRM's files name users so);
 * empty is nobody. Anything else is the flow's mistake, naming the param.
 */
async function userIdOf(
  db: Db,
  value: string | null | undefined,
  param: string,
  orNobody = false,
): Promise<string | null> {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (await userExists(db, value)) return value;
  const user = await db.selectFrom('users').select('id').where('username', '=', value).executeTakeFirst();
  if (!user && orNobody) return null;
  if (!user) throw invalid(param, `is not an existing user (${value.slice(0, 100)})`);
  return user.id;
}

/**
 * Services that hold their writes in a batch (records, tags, feed posts) or write nothing that
 * is held (reads, routing's turn): what the batch holds need not be written before them.
 */
const holdingOrReading: Record<string, true | readonly string[]> = {
  records: true,
  tags: true,
  feed: true,
  links: true,
  presence: true,
  routing: true,
  lists: ['has', 'membersAmong'],
  processes: ['statusAmong'],
};

function holdsOrReads(area: PropertyKey, name: PropertyKey): boolean {
  const calls = holdingOrReading[String(area)];
  return calls === true || calls?.includes(String(name)) === true;
}

const tagsOf = (record: Record<string, unknown>): string[] =>
  Array.isArray(record.tags) ? (record.tags as string[]) : [];
