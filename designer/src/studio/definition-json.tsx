/**
 * Studio's JSON view of a module: its fields as one JSON document in Monaco, checked
 * against schemas/modules.ts as you type; "Preview changes" asks the server what applying it
 * would do (a dry run through the same checks: fields added, removed with the records that
 * lose a value, altered), and "Apply" makes those changes in one transaction. Loaded lazily.
 */
import { Alert, Badge, Button, Group, List, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { reloadModules } from '../console/console-api.ts';
import { describeRefusal, ProblemList, parseJson, useJsonDocument } from '../editor/use-json-document.tsx';

interface Changes {
  added: Array<{ name: string; type: string }>;
  removed: Array<{ name: string; records: number }>;
  altered: Array<{ name: string; changes: Record<string, unknown> }>;
  applied: boolean;
}

const editableKeys = [
  'name',
  'label',
  'type',
  'required',
  'unique',
  'searchable',
  'readOnly',
  'defaultValue',
  'options',
  'position',
] as const;

const editable = (fields: Array<Record<string, unknown>>) =>
  fields.map((field) => Object.fromEntries(editableKeys.filter((k) => k in field).map((k) => [k, field[k]])));

async function fieldsOf(name: string) {
  const module = await api<{ fields: Array<Record<string, unknown>> }>('GET', `/modules/${name}`);
  return editable(module.fields);
}

export default function DefinitionJson({ name }: { name: string }) {
  const [preview, setPreview] = useState<{ text: string; changes: Changes } | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [applied, setApplied] = useState<Changes | null>(null);
  const [busy, setBusy] = useState(false);
  const {
    host,
    text: typed,
    show,
    problems,
  } = useJsonDocument(
    `weft://module/${name}.json`,
    '[]',
    async (into) => {
      try {
        into(await fieldsOf(name));
      } catch (error) {
        setErrors(describeRefusal(error));
      }
    },
    () => {
      setApplied(null);
      setErrors([]);
    },
  );

  const send = async (dryRun: boolean) => {
    const text = typed() ?? '[]';
    const parsed = parseJson(text);
    if ('error' in parsed) return setErrors([parsed.error]);
    setBusy(true);
    setErrors([]);
    try {
      const changes = await api<Changes>('PUT', `/modules/${name}/definition`, {
        fields: parsed.value,
        ...(dryRun ? { dryRun: true } : { confirm: true }),
      });
      if (dryRun) setPreview({ text, changes });
      else {
        setPreview(null);
        setApplied(changes);
        await reloadModules();
        show(await fieldsOf(name));
      }
    } catch (error) {
      setErrors(describeRefusal(error));
    } finally {
      setBusy(false);
    }
  };

  const current = typed();
  const previewed = preview && preview.text === current ? preview.changes : null;
  const lost = previewed?.removed.reduce((sum, r) => sum + r.records, 0) ?? 0;
  const nothing =
    previewed && previewed.added.length + previewed.removed.length + previewed.altered.length === 0;

  return (
    <Stack gap="xs" p="md" data-testid="definition-json">
      <Text size="sm" c="dimmed">
        The module’s fields as JSON. Name and type of a field cannot change; a field left out is removed with
        its data.
      </Text>
      <div ref={host} style={{ height: 380, border: '1px solid var(--mantine-color-gray-4)' }} />
      <ProblemList lines={problems} testId="definition-problems" />
      <ProblemList lines={errors} testId="definition-errors" title="Not applied" />
      <Group gap="xs">
        <Button
          size="xs"
          variant="default"
          onClick={() => send(true)}
          loading={busy}
          disabled={problems.length > 0}
        >
          Preview changes
        </Button>
        <Button
          size="xs"
          color={lost > 0 ? 'red' : 'blue'}
          onClick={() => send(false)}
          loading={busy}
          disabled={!previewed || Boolean(nothing) || problems.length > 0}
        >
          {lost > 0 ? `Apply (deletes ${lost} stored ${lost === 1 ? 'value' : 'values'})` : 'Apply'}
        </Button>
      </Group>
      {previewed && (
        <Stack gap={4} data-testid="definition-preview">
          {nothing && <Text size="sm">No changes.</Text>}
          {previewed.added.length > 0 && (
            <>
              <Badge color="green" variant="light">
                Added
              </Badge>
              <List size="sm">
                {previewed.added.map((f) => (
                  <List.Item key={f.name}>
                    {f.name} ({f.type})
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {previewed.removed.length > 0 && (
            <>
              <Badge color="red" variant="light">
                Removed
              </Badge>
              <List size="sm">
                {previewed.removed.map((f) => (
                  <List.Item key={f.name}>
                    {f.name} —{' '}
                    {f.records === 0
                      ? 'no record holds a value'
                      : f.records === 1
                        ? '1 record loses its value'
                        : `${f.records} records lose their value`}
                  </List.Item>
                ))}
              </List>
            </>
          )}
          {previewed.altered.length > 0 && (
            <>
              <Badge color="blue" variant="light">
                Changed
              </Badge>
              <List size="sm">
                {previewed.altered.map((f) => (
                  <List.Item key={f.name}>
                    {f.name}: {Object.keys(f.changes).join(', ')}
                  </List.Item>
                ))}
              </List>
            </>
          )}
        </Stack>
      )}
      {applied && (
        <Alert color="green" p="xs" data-testid="definition-applied">
          <Text size="xs">
            Applied: {applied.added.length} added, {applied.removed.length} removed, {applied.altered.length}{' '}
            changed.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}
