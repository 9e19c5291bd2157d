/**
 * The flow's "Settings" tab: who the flow acts as, in plain words. Flows act as their owner
 * (the user who created the flow; server/automation/engine-services.ts) with every right —
 * roles and field permissions do not limit them — whoever triggered them.
 */
import { Stack, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

interface Owner {
  username: string;
  firstName: string;
  lastName: string;
}

export function FlowActing({
  createdBy,
  flowName,
  triggerType,
}: {
  createdBy: string | null;
  flowName: string;
  triggerType: string | null;
}) {
  const [owner, setOwner] = useState<Owner | null>(null);
  const [gone, setGone] = useState(false);
  useEffect(() => {
    if (!createdBy) return setGone(true);
    api<Owner>('GET', `/users/${createdBy}`).then(setOwner, () => setGone(true));
  }, [createdBy]);
  const name = owner
    ? `${`${owner.firstName} ${owner.lastName}`.trim() || owner.username} (@${owner.username})`
    : gone
      ? 'the first user of this installation (the user who created it no longer exists)'
      : '…';
  return (
    <Stack gap="xs" p="md" data-testid="flow-acting">
      <Title order={5}>Who this flow acts as</Title>
      <Text size="sm">
        This flow acts as its owner, <b data-testid="flow-owner">{name}</b>, who created it. Its changes
        appear in record histories as “workflow:{flowName}” on their behalf, and records it creates belong to
        them unless a step assigns them to someone else.
      </Text>
      <Text size="sm">
        Roles do not limit it: it can read and change every record and every field, including fields some
        roles may not see. So that such values do not reach those people, its feed posts show “•••” in place
        of them.
      </Text>
      <Text size="sm">
        Whoever sets it off — someone saving a record
        {triggerType === 'trigger.macro' ? ', or a person running it as a macro' : ''} — does not change this.
        That person is available to its steps as {'{{user.…}}'} (for example {'{{user.email}}'}).
      </Text>
      {triggerType === 'trigger.macro' && (
        <Text size="sm">
          People who run this macro only need to be able to see the record; the macro then does its steps as
          its owner.
        </Text>
      )}
    </Stack>
  );
}
