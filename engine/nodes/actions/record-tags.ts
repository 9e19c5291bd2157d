import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

const params = {
  type: 'object',
  properties: {
    action: {
      type: 'string',
      enum: ['add', 'remove', 'clear'],
      default: 'add',
      title: 'Action',
      description: 'clear removes every tag of the record',
    },
    tags: {
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 100 },
      maxItems: 100,
      title: 'Tags',
      description: 'Without the #; each may be a template. Not used by clear',
    },
  },
  required: ['action'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    tags: { type: 'array', items: { type: 'string' }, description: 'The record’s tags after' },
    record: { type: 'object', description: 'The changed fields: later steps see them in record' },
  },
  additionalProperties: false,
} as const;

/** A template that renders to a list (`{{record.tags}}`) or to "a, b" gives several tags. */
function tagList(tags: readonly unknown[]): string[] {
  return tags
    .flat()
    .flatMap((tag) => (typeof tag === 'string' ? tag.split(',') : tag == null ? [] : [String(tag)]))
    .map((tag) => tag.trim())
    .filter((tag) => tag !== '');
}

/**
 * X2FlowRecordTag: add, remove or clear tags of the current record through the tags
 * service, so each change is a logged update with its `tag.added` / `tag.removed` events.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.tags',
  title: 'Edit tags',
  category: 'Records',
  params,
  output,
  updatesRecord: true,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const tags = servicesOf(ctx).tags;
    const action = input.action ?? 'add';
    if (action === 'clear') {
      const after = await tags.clear(module, id);
      return { tags: after, record: { tags: after } };
    }
    const names = tagList(input.tags ?? []);
    if (names.length === 0) throw new NonRetriableError(`tags: name at least one tag to ${action}`);
    const after = await (action === 'add' ? tags.add(module, id, names) : tags.remove(module, id, names));
    return { tags: after, record: { tags: after } };
  },
});
