import type { FromSchema } from 'json-schema-to-ts';
import { defineAction } from '../../core/node-types.ts';
import { type ProcessProgressAnswer, servicesOf } from '../../runtime/services.ts';
import { currentRecord } from './current-record.ts';

/**
 * X2CRM's X2FlowWorkflowTerminateProcess ("Terminates the most recent process"): the
 * current record leaves the process. X2CRM stops the process at the stage last started and
 * nothing follows it; Weft has no "terminated" state (a record is in a stage or not), so
 * ending a process reverts its stages from the first started one — the record leaves the
 * board and the funnel, and the changelog keeps every stage it had reached. Each revert obeys
 * the same rules as the API (roles, backdate window): a refusal fails the step naming the
 * rule, routable through its error handle. A record not in the process is left as it is.
 */

const params = {
  type: 'object',
  properties: {
    processId: {
      type: 'string',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      title: 'Process id',
      description: 'A Weft process (an X2CRM import writes a placeholder to bind)',
    },
  },
  required: ['processId'],
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: {
    processId: { type: 'string' },
    ended: { type: 'boolean', description: 'Whether the record was in the process (and has left it)' },
    stagesReverted: { type: 'integer', description: 'How many stage changes ending it took' },
  },
  additionalProperties: false,
} as const;

type Params = FromSchema<typeof params>;
type Output = FromSchema<typeof output>;

export default defineAction<Params, Output>({
  type: 'process.end',
  title: 'End process',
  category: 'Processes',
  params,
  output,
  retry: { attempts: 3, backoff: 'exponential', delayMs: 1000 },
  async run(ctx, input) {
    const { module, id } = currentRecord(ctx.record);
    const processes = servicesOf(ctx).processes;
    const status = (await processes.statusAmong(input.processId, [id]))[id] ?? {};
    const someStage = Object.keys(status)[0];
    if (someStage === undefined) return { processId: input.processId, ended: false, stagesReverted: 0 };
    const revert = (stageId: string) =>
      processes.change({ processId: input.processId, module, recordId: id, action: 'revert', stageId });
    // The first revert learns the stages' order; each next one reverts the earliest stage
    // still reached (a completed stage goes back to started, then to not started, and
    // reverting a stage resets every stage after it).
    let answer: ProcessProgressAnswer = await revert(someStage);
    let count = 1;
    for (;;) {
      const first = answer.stages.find((stage) => stage.status !== 'notStarted');
      if (!first) break;
      answer = await revert(first.id);
      count += 1;
      // Two reverts per stage at most: a bound that also stops a machine that will not move.
      if (count > 2 * answer.stages.length + 1) break;
    }
    return { processId: input.processId, ended: true, stagesReverted: count };
  },
});
