import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { NonRetriableError } from '../../runtime/errors.ts';
import { servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';
import { asCurrent, checkId, moduleName, recordOutput } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    link: {
      type: 'string',
      pattern: '^[A-Za-z][A-Za-z0-9_]{0,62}$',
      title: 'Link field',
      description: 'A link field of the current record, e.g. company (a contact’s account)',
    },
    module: {
      ...moduleName,
      title: 'Expected module',
      description: 'Optional: the module the link must lead to (a check, as X2CRM’s link type)',
    },
  },
  required: ['link'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { record: recordOutput },
  additionalProperties: false,
} as const;

/**
 * X2FlowRecordChange ("change record"): the record a link field of the current record points
 * at becomes the current record for the following steps. The link is read from the record
 * as stored now, so an earlier step of the run that changed it is taken into account.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'record.switchRelated',
  title: 'Switch to related record',
  category: 'Records',
  params,
  output,
  switchesRecord: true,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const records = servicesOf(ctx).records;
    const link = await records.linkOf(module, input.link);
    const current = await records.get(module, id);
    if (!current) throw new NonRetriableError(`the current ${module} record ${id} no longer exists`);
    const targetId = current[input.link];
    if (typeof targetId !== 'string' || targetId === '') {
      throw new NonRetriableError(
        `link: ${input.link} of this ${module} record is empty, there is no related record`,
      );
    }
    const target = link.module ?? (link.moduleField ? current[link.moduleField] : null);
    if (typeof target !== 'string' || target === '') {
      throw new NonRetriableError(`link: ${link.moduleField ?? input.link} names no module to switch to`);
    }
    if (input.module && input.module !== target) {
      throw new NonRetriableError(`module: ${input.link} leads to ${target} records, not ${input.module}`);
    }
    const related = await records.get(target, checkId('link', targetId));
    if (!related) throw new NonRetriableError(`link: the ${target} record ${targetId} no longer exists`);
    return { record: asCurrent(target, related) };
  },
});
