/**
 * One Studio document as JSON in Monaco — a dropdown, a form layout — checked as you type
 * against the schema registered for its URI (editor/monaco.ts, from schemas/), saved through
 * the same endpoint as the visual editor (so the same server checks apply), and read back
 * after saving: what the editor then shows is what the server kept. A refusal lists each
 * field the server names with its reason.
 */
import { Alert, Button, Group, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { monaco } from '../editor/monaco.ts';

function describe(error: unknown): string[] {
  if (error instanceof ApiError) {
    const details = Array.isArray(error.details)
      ? (error.details as Array<{ field?: string; reason?: string }>)
      : [];
    const named = details.map((d) =>
      `${(d.field ?? '').replace(/^\/?(body\.)?/, '')} ${d.reason ?? ''}`.trim(),
    );
    return named.length > 0 ? named : [error.message];
  }
  return [(error as Error).message];
}

export function JsonDocument({
  uri,
  testId,
  load,
  save,
}: {
  /** `weft://dropdown/<id>.json`, `weft://layout/<module>-<id>.json`: the schema follows the URI. */
  uri: string;
  testId: string;
  load: () => Promise<unknown>;
  save: (value: unknown) => Promise<unknown>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const modelRef = useRef<monaco.editor.ITextModel | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const [problems, setProblems] = useState<string[]>([]);
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!host.current) return;
    const resource = monaco.Uri.parse(uri);
    const model = monaco.editor.getModel(resource) ?? monaco.editor.createModel('{}', 'json', resource);
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
      if (!uris.some((u) => u.toString() === resource.toString())) return;
      setProblems(
        monaco.editor
          .getModelMarkers({ resource })
          .filter((m) => m.severity >= monaco.MarkerSeverity.Warning)
          .map((m) => `Line ${m.startLineNumber}: ${m.message}`),
      );
    });
    const changed = model.onDidChangeContent(() => {
      setSaved(false);
      setErrors([]);
    });
    loadRef.current().then(
      (value) => model.setValue(JSON.stringify(value, null, 2)),
      (error) => setErrors(describe(error)),
    );
    return () => {
      markers.dispose();
      changed.dispose();
      editor.dispose();
      model.dispose();
    };
  }, [uri]);

  const submit = async () => {
    let value: unknown;
    try {
      value = JSON.parse(modelRef.current?.getValue() ?? '');
    } catch (error) {
      setErrors([`Invalid JSON: ${(error as Error).message}`]);
      return;
    }
    setBusy(true);
    setErrors([]);
    try {
      await save(value);
      // Read back: the editor shows what the server kept.
      modelRef.current?.setValue(JSON.stringify(await loadRef.current(), null, 2));
      setSaved(true);
    } catch (error) {
      setErrors(describe(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs" data-testid={testId}>
      <div ref={host} style={{ height: 360, border: '1px solid var(--mantine-color-gray-4)' }} />
      {problems.length > 0 && (
        <Alert color="red" p="xs" data-testid={`${testId}-problems`}>
          {problems.map((p) => (
            <Text key={p} size="xs">
              {p}
            </Text>
          ))}
        </Alert>
      )}
      {errors.length > 0 && (
        <Alert color="red" p="xs" data-testid={`${testId}-errors`} title="Not saved">
          {errors.map((e) => (
            <Text key={e} size="xs">
              {e}
            </Text>
          ))}
        </Alert>
      )}
      <Group gap="xs">
        <Button size="xs" onClick={submit} loading={busy} disabled={problems.length > 0}>
          Save
        </Button>
        {saved && (
          <Text size="xs" c="green" data-testid={`${testId}-saved`}>
            Saved
          </Text>
        )}
      </Group>
    </Stack>
  );
}
