import type { Db } from '../db/index.ts';

/**
 * The facts of the `processStatus` condition (engine/core/fact-operators.ts): where each
 * record stands in a process, from the per-stage rows, in one query.
 */
export async function stageStatusAmong(
  db: Db,
  processId: string,
  recordIds: string[],
): Promise<Record<string, Record<string, 'started' | 'completed'>>> {
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const ids = recordIds.filter((id) => uuid.test(id));
  if (!uuid.test(processId) || ids.length === 0) return {};
  const rows = await db
    .selectFrom('processStageStates')
    .select(['recordId', 'stageId', 'status'])
    .where('processId', '=', processId)
    .where('recordId', 'in', ids)
    .execute();
  const answer: Record<string, Record<string, 'started' | 'completed'>> = {};
  for (const row of rows) answer[row.recordId] = { ...answer[row.recordId], [row.stageId]: row.status };
  return answer;
}
