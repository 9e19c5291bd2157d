import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode, moduleParam, recordTriggerOutput } from '../define.ts';

const params = {
  type: 'object',
  properties: {
    module: moduleParam,
    roles: {
      type: 'array',
      title: 'Available to',
      description:
        'The role ids whose users may run it on a record or a selection; "*" for every signed-in user. Admins always may',
      items: { type: 'string', minLength: 1 },
      uniqueItems: true,
      default: [],
      // The designer picks roles by name (designer/src/macros/roles-field.tsx).
      'x-weft-ref': 'roles',
    },
    conditions: conditionsParam,
  },
  required: ['module'],
  additionalProperties: false,
} as const;

export type MacroParams = FromSchema<typeof params>;

/** Whether a user with these roles may run a macro with these params (admins always may). */
export function macroAllowed(
  params: MacroParams,
  user: { isAdmin: boolean; roleIds: readonly string[] },
): boolean {
  if (user.isAdmin) return true;
  const roles = params.roles ?? [];
  return roles.includes('*') || roles.some((role) => user.roleIds.includes(role));
}

/**
 * X2CRM's "macro executed": a flow that users of the chosen roles run by hand on a record or on
 * a selection from the list (`POST /api/macros/:id/run`). The flow acts as its owner; the
 * user must be able to see each record, and its conditions choose which of them it runs on.
 */
export default defineTriggerNode<MacroParams>({
  type: 'trigger.macro',
  title: 'Macro',
  category: 'Manual',
  params,
  output: recordTriggerOutput,
  providesRecord: true,
  events: [],
  moduleOf: (params) => params.module,
  match: () => null,
});
