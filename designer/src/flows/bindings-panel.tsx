/** What an imported X2CRM flow still needs: each X2CRM user, group, list or record it names, bound to Weft's. */
import { Button, Group, Select, Stack, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { Flow } from '../../../schemas/flow.ts';
import { api, type Page } from '../api.ts';
import { bindReference, type Reference, referencesOf } from './x2crm-bindings.ts';

type Option = { value: string; label: string };

const nouns: Record<Reference['kind'], string> = {
  user: 'user',
  group: 'group',
  list: 'list',
  record: 'record',
  campaign: 'campaign',
  process: 'process',
  stage: 'process stage',
};

function useOptions(kinds: Set<string>) {
  const [options, setOptions] = useState<Record<string, Option[]>>({});
  const key = [...kinds].sort().join(',');
  // biome-ignore lint/correctness/useExhaustiveDependencies: key stands for kinds
  useEffect(() => {
    const wanted: Array<Promise<[string, Option[]]>> = [];
    if (kinds.has('user'))
      wanted.push(
        api<Page<{ id: string; username: string; firstName: string; lastName: string }>>(
          'GET',
          '/users?limit=200',
        ).then((page) => [
          'user',
          page.items.map((u) => ({ value: u.id, label: `${u.firstName} ${u.lastName} (@${u.username})` })),
        ]),
      );
    if (kinds.has('group'))
      wanted.push(
        api<Page<{ id: string; name: string }>>('GET', '/groups?limit=200').then((page) => [
          'group',
          page.items.map((g) => ({ value: g.id, label: g.name })),
        ]),
      );
    if (kinds.has('list'))
      wanted.push(
        api<Page<{ id: string; name: string; module: string }>>('GET', '/lists?limit=500').then((page) => [
          'list',
          page.items.map((l) => ({ value: l.id, label: `${l.name} (${l.module})` })),
        ]),
      );
    // Processes: a process by name; a stage as "process — stage" (its stable id).
    if (kinds.has('process') || kinds.has('stage'))
      wanted.push(
        api<Page<{ id: string; name: string; stages: { id: string; name: string }[] }>>(
          'GET',
          '/processes',
        ).then((page) => ['process', page.items.map((p) => ({ value: p.id, label: p.name }))]),
        api<Page<{ id: string; name: string; stages: { id: string; name: string }[] }>>(
          'GET',
          '/processes',
        ).then((page) => [
          'stage',
          page.items.flatMap((p) =>
            p.stages.map((stage) => ({ value: stage.id, label: `${p.name} — ${stage.name}` })),
          ),
        ]),
      );
    Promise.all(wanted).then(
      (entries) => setOptions(Object.fromEntries(entries)),
      () => undefined,
    );
  }, [key]);
  return options;
}

function Binding({
  reference,
  options,
  onBind,
  titleOf,
}: {
  reference: Reference;
  options?: Option[];
  onBind: (id: string) => void;
  titleOf: (nodeId: string) => string;
}) {
  const [typed, setTyped] = useState('');
  const label =
    reference.kind === 'stage'
      ? `X2CRM process ${reference.value.split('/')[0]}, stage ${reference.value.split('/')[1]}`
      : `X2CRM ${nouns[reference.kind]} ${reference.kind === 'user' ? `“${reference.value}”` : reference.value}`;
  const where = `Used by ${reference.nodeIds.map(titleOf).join(', ')}`;
  return options ? (
    <Select
      label={label}
      description={where}
      placeholder={`Choose the Weft ${nouns[reference.kind]}`}
      searchable
      data={options}
      value={null}
      onChange={(id) => id && onBind(id)}
    />
  ) : (
    <Group align="flex-end" gap="xs">
      <TextInput
        label={label}
        description={where}
        placeholder={`The Weft ${nouns[reference.kind]}'s id`}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        style={{ flex: 1 }}
      />
      <Button size="xs" disabled={typed.trim() === ''} onClick={() => onBind(typed.trim())}>
        Use
      </Button>
    </Group>
  );
}

export function BindingsPanel({
  flow,
  setFlow,
  titleOfType,
}: {
  flow: Flow;
  setFlow: (next: Flow) => void;
  titleOfType: (type: string) => string | undefined;
}) {
  const references = referencesOf(flow);
  const titleOf = (nodeId: string) => {
    const type = nodeId === 'trigger' ? flow.trigger.type : flow.nodes.find((n) => n.id === nodeId)?.type;
    return `“${(type && titleOfType(type)) ?? nodeId}”`;
  };
  const options = useOptions(new Set(references.map((r) => r.kind)));
  if (references.length === 0) return null;
  return (
    <Stack
      gap="xs"
      p="sm"
      data-testid="x2crm-bindings"
      style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}
    >
      <Text size="sm" fw={500}>
        From X2CRM: choose what these stand for here
      </Text>
      {references.map((reference) => (
        <Binding
          key={reference.ref}
          reference={reference}
          options={options[reference.kind]}
          onBind={(id) => setFlow(bindReference(flow, reference.ref, id))}
          titleOf={titleOf}
        />
      ))}
    </Stack>
  );
}
