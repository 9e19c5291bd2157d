import type { FromSchema } from 'json-schema-to-ts';
import { durationUnits } from '../../core/control-nodes.ts';
import { defineAction } from '../../core/node-types.ts';
import { addDuration } from '../../core/time.ts';
import { servicesOf } from '../../runtime/services.ts';
import { asCurrent, recordOutput } from './record-params.ts';

const params = {
  type: 'object',
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 255, title: 'Subject' },
    description: { type: 'string', maxLength: 10_000, title: 'Description' },
    dueDate: {
      type: 'string',
      title: 'Due',
      description: 'A date, a template such as {{record.closeDate}}, or "in 3 days" (minutes … months)',
    },
    priority: { type: 'string', enum: ['Low', 'Medium', 'High'], title: 'Priority' },
    visibility: { type: 'string', enum: ['public', 'private'], title: 'Visibility' },
    copyFromRecord: {
      type: 'boolean',
      title: "Copy the record's priority and visibility",
      description: 'As X2CRM\'s "Create Action for Record" does, when the record has those fields',
    },
    assignedTo: {
      type: ['string', 'null'],
      title: 'Assign to',
      description: "A user or group; empty: the current record's assignee, else the flow's owner",
      'x-weft-ref': 'assignee',
    },
    onRecord: {
      type: 'boolean',
      default: true,
      title: 'On the current record',
      description:
        'Associate the task with the current record (off, or no current record: a standalone task)',
    },
  },
  required: ['subject'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { id: { type: 'string' }, record: recordOutput },
  additionalProperties: false,
} as const;

const relative = new RegExp(
  `^\\s*(?:in\\s+|\\+)?(\\d+)\\s*(${durationUnits.map((u) => u.slice(0, -1)).join('|')})s?\\s*$`,
  'i',
);

/** "in 3 days" from now; anything else is left for the tasks module to check as a date. */
function dueDate(value: string, now: Date): string {
  const match = relative.exec(value);
  if (!match) return value;
  const unit = durationUnits.find((candidate) => candidate.startsWith(String(match[2]).toLowerCase()));
  return unit ? addDuration(now, { amount: Number(match[1]), unit }).toISOString() : value;
}

/**
 * X2FlowCreateAction: a task (X2CRM's "action") in the tasks module, associated with the
 * current record through associationType / associationId like tasks created on a record page.
 */
export default defineAction<FromSchema<typeof params>, FromSchema<typeof output>>({
  type: 'task.create',
  title: 'Create task',
  category: 'Records',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const current = (ctx.record ?? null) as Record<string, unknown> | null;
    const onRecord =
      input.onRecord !== false && typeof current?.module === 'string' && typeof current.id === 'string';
    const values: Record<string, unknown> = { subject: input.subject };
    if (input.description) values.description = input.description;
    const copied = input.copyFromRecord === true && current !== null;
    const priority = input.priority ?? (copied ? current?.priority : undefined);
    if (priority === 'Low' || priority === 'Medium' || priority === 'High') values.priority = priority;
    const visibility = input.visibility ?? (copied ? current?.visibility : undefined);
    if (visibility === 'public' || visibility === 'private') values.visibility = visibility;
    if (input.dueDate) values.dueDate = dueDate(input.dueDate, ctx.now);
    const assignee =
      input.assignedTo || (typeof current?.assignedTo === 'string' ? current.assignedTo : null);
    if (assignee) values.assignedTo = assignee;
    if (onRecord) {
      values.associationType = current?.module;
      values.associationId = current?.id;
    }
    const record = await servicesOf(ctx).records.create('tasks', values);
    return { id: String(record.id), record: asCurrent('tasks', record) };
  },
});
