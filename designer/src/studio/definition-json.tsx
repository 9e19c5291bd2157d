/**
 * Studio's JSON view of a module: its fields as one JSON document in Monaco, checked
 * against schemas/modules.ts as you type; "Preview changes" asks the server what applying it
 * would do (a dry run through the same checks: fields added, removed with the records that
 * lose a value, altered), and "Apply" makes those changes in one transaction. Loaded lazily.
 */
import { Alert, Badge, Button, Group, List, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { reloadModules } from '../console/console-api.ts';
import { monaco } from '../editor/monaco.ts';

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

function describe(error: unknown): string[] {
  if (error instanceof ApiError) {
    const details = Array.isArray(error.details)
      ? (error.details as Array<{ field?: string; reason?: string }>)
      : [];
    return [error.message, ...details.map((d) => `${d.field ?? ''} ${d.reason ?? ''}`.trim())];
  }
  return [(error as Error).message];
}

async function loadInto(model: monaco.editor.ITextModel | null, name: string) {
  const module = await api<{ fields: Array<Record<string, unknown>> }>('GET', `/modules/${name}`);
  model?.setValue(JSON.stringify(editable(module.fields), null, 2));
}

export default function DefinitionJson({ name }: { name: string }) {
  const host = useRef<HTMLDivElement>(null);
  const modelRef = useRef<monaco.editor.ITextModel | null>(null);
  const [problems, setProblems] = useState<string[]>([]);
  const [preview, setPreview] = useState<{ text: string; changes: Changes } | null>(null);
  const [errors, setErrors] = useState<string[]>([]);
  const [applied, setApplied] = useState<Changes | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!host.current) return;
    const uri = monaco.Uri.parse(`weft://module/${name}.json`);
    const model = monaco.editor.getModel(uri) ?? monaco.editor.createModel('[]', 'json', uri);
    modelRef.current = model;
    const editor = monaco.editor.create(host.current, {
      model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      scrollBeyondLastLine: false,
    });
    const markers = monaco.editor.onDidChangeMarkers((uris) => {
      if (!uris.some((u) => u.toString() === uri.toString())) return;
      setProblems(
        monaco.editor
          .getModelMarkers({ resource: uri })
          // The schema's complaints come as warnings: each is a change the server would refuse.
          .filter((m) => m.severity >= monaco.MarkerSeverity.Warning)
          .map((m) => `Line ${m.startLineNumber}: ${m.message}`),
      );
    });
    const changed = model.onDidChangeContent(() => {
      setApplied(null);
      setErrors([]);
    });
    void loadInto(model, name);
    return () => {
      markers.dispose();
      changed.dispose();
      editor.dispose();
      model.dispose();
    };
  }, [name]);

  const send = async (dryRun: boolean) => {
    const text = modelRef.current?.getValue() ?? '[]';
    let fields: unknown;
    try {
      fields = JSON.parse(text);
    } catch (error) {
      setErrors([`Invalid JSON: ${(error as Error).message}`]);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      const changes = await api<Changes>('PUT', `/modules/${name}/definition`, {
        fields,
        ...(dryRun ? { dryRun: true } : { confirm: true }),
      });
      if (dryRun) setPreview({ text, changes });
      else {
        setPreview(null);
        setApplied(changes);
        await reloadModules();
        await loadInto(modelRef.current, name);
      }
    } catch (error) {
      setErrors(describe(error));
    } finally {
      setBusy(false);
    }
  };

  const current = modelRef.current?.getValue();
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
      {problems.length > 0 && (
        <Alert color="red" p="xs" data-testid="definition-problems">
          {problems.map((p) => (
            <Text key={p} size="xs">
              {p}
            </Text>
          ))}
        </Alert>
      )}
      {errors.length > 0 && (
        <Alert color="red" p="xs" data-testid="definition-errors">
          {errors.map((e) => (
            <Text key={e} size="xs">
              {e}
            </Text>
          ))}
        </Alert>
      )}
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
