import type { FromSchema } from 'json-schema-to-ts';
import { conditionsParam, defineTriggerNode } from '../define.ts';

const params = {
  type: 'object',
  properties: { conditions: conditionsParam },
  additionalProperties: false,
} as const;

const output = {
  type: 'object',
  properties: { userId: { type: 'string' }, username: { type: 'string' }, eventId: { type: 'integer' } },
  additionalProperties: false,
} as const;

/** Signed in and signed out differ only in the event; the run's `user` is the user. */
export function userSessionTrigger(type: string, title: string, event: 'user.signedIn' | 'user.signedOut') {
  return defineTriggerNode<FromSchema<typeof params>>({
    type,
    title,
    category: 'Users',
    params,
    output,
    providesRecord: false,
    events: [event],
    moduleOf: () => null,
    match: (event) => {
      const username = String(event.payload.username ?? '');
      return {
        record: null,
        trigger: { userId: event.actorId, username, eventId: event.id },
        user: { id: event.actorId, username },
      };
    },
  });
}
