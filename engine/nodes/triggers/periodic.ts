import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    cron: {
      type: 'string',
      title: 'Schedule',
      description: 'A cron expression: minute hour day-of-month month day-of-week, e.g. "0 9 * * 1-5"',
      // Five fields of cron characters; the schedule itself is checked by pg-boss when it is set.
      pattern: '^\\s*[0-9*/,\\-A-Za-z?LW#]+(\\s+[0-9*/,\\-A-Za-z?LW#]+){4}\\s*$',
      default: '0 9 * * *',
    },
    timeZone: {
      type: 'string',
      minLength: 1,
      title: 'Time zone',
      description: 'IANA time zone the schedule is read in',
      default: 'UTC',
    },
    conditions: conditionsParam,
  },
  required: ['cron'],
  additionalProperties: false,
} as const;

export type PeriodicParams = FromSchema<typeof params>;

const output = {
  type: 'object',
  properties: { slot: { type: 'string', format: 'date-time' }, eventId: { type: 'integer' } },
  additionalProperties: false,
} as const;

/**
 * X2CRM's PeriodicTrigger, firing exactly once per slot: a pg-boss schedule per active flow
 * sends ticks, and the tick's event is unique per (flow, slot) (server/automation/periodic.ts).
 */
export default defineTriggerNode<PeriodicParams>({
  type: 'trigger.periodic',
  title: 'On a schedule',
  category: 'Time',
  params,
  output,
  providesRecord: false,
  events: ['schedule.tick'],
  moduleOf: () => null,
  match: (event) => ({ record: null, trigger: { slot: event.payload.slot, eventId: event.id }, user: null }),
});
