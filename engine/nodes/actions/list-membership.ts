import type { FromSchema } from 'json-schema-to-ts';
import { type ActionDefinition, defineAction } from '../../core/node-types.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { checkId } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    listId: {
      type: 'string',
      minLength: 1,
      title: 'List',
      'x-weft-ref': 'list',
      description: 'A static list of the record’s module',
    },
  },
  required: ['listId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { members: { type: 'integer', description: 'How many records the list has after' } },
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof params>;
type Output = FromSchema<typeof output>;

/** X2FlowRecordListAdd / X2FlowRecordListRemove: the current record joins or leaves a static list. */
export function listMembershipAction(change: 'add' | 'remove'): ActionDefinition<Params, Output> {
  return defineAction<Params, Output>({
    type: `list.${change}`,
    title: change === 'add' ? 'Add to list' : 'Remove from list',
    category: 'Records',
    params,
    output,
    retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
    async run(ctx, input) {
      const { id } = currentRecord(ctx.record);
      return servicesOf(ctx).lists[change](checkId('listId', input.listId), id);
    },
  });
}
