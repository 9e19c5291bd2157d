/**
 * X2CRM names processes (its "workflows") and their stages by number: a process id, and a
 * stage's position in it. Weft's are a uuid and a stable stage id, which no file can know.
 * The importer writes references (`x2crm:process:2`, `x2crm:stage:2/7`: x2crm-refs.ts) that
 * the validator refuses, lists each one in the import's `unmapped` and `bindings`, and the
 * designer's bindings panel (or `POST /api/flows/:id/bindings`) binds them to a Weft process
 * and stage — never a silent `false`.
 */
import type { Unmapped } from './x2crm-conditions.ts';
import { x2ref } from './x2crm-refs.ts';

const part = (value: unknown) => String(value ?? '').trim() || 'unknown';
export const processPlaceholder = (workflowId: unknown) => x2ref('process', part(workflowId));
export const stagePlaceholder = (workflowId: unknown, stageNumber: unknown) =>
  x2ref('stage', `${part(workflowId)}/${part(stageNumber)}`);

export const isPlaceholder = (value: unknown) => typeof value === 'string' && value.startsWith('x2crm:');

/** Notes the binding a converted item needs, in `unmapped` (where every import problem is listed). */
export function noteBinding(
  unmapped: Unmapped[],
  path: string,
  workflowId: unknown,
  stageNumber?: unknown,
): void {
  const process = processPlaceholder(workflowId);
  const stage = stageNumber === undefined ? undefined : stagePlaceholder(workflowId, stageNumber);
  unmapped.push({
    path,
    what: `X2CRM process ${String(workflowId ?? '?')}${stageNumber === undefined ? '' : `, stage ${String(stageNumber)}`}`,
    reason: `X2CRM names processes and stages by number: written as "${process}"${stage ? ` and "${stage}"` : ''}; bind ${stage ? 'them' : 'it'} to a Weft process${stage ? ' and stage' : ''} before publishing`,
  });
}

export interface Binding {
  /** The placeholder written in the flow; replace every occurrence with the Weft id. */
  placeholder: string;
  kind: 'process' | 'stage';
  x2crmProcessId: string;
  /** For a stage: its number in the X2CRM process (1 is the first). */
  x2crmStageNumber?: string;
}

/** Every placeholder a converted flow holds, once each. */
export function bindingsOf(flow: unknown): Binding[] {
  const text = JSON.stringify(flow);
  const found = new Map<string, Binding>();
  for (const match of text.matchAll(/x2crm:(process|stage):([A-Za-z0-9_]+)(?:\/([A-Za-z0-9_]+))?/g)) {
    const [placeholder, kind, processId, stageNumber] = match as unknown as [
      string,
      'process' | 'stage',
      string,
      string?,
    ];
    if (found.has(placeholder)) continue;
    found.set(
      placeholder,
      kind === 'stage' && stageNumber !== undefined
        ? { placeholder, kind, x2crmProcessId: processId, x2crmStageNumber: stageNumber }
        : { placeholder, kind: 'process', x2crmProcessId: processId },
    );
  }
  return [...found.values()];
}
