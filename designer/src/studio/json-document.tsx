/**
 * One Studio document as JSON in Monaco — a dropdown, a form layout — checked as you type
 * against the schema registered for its URI (editor/monaco.ts, from schemas/), saved through
 * the same endpoint as the visual editor (so the same server checks apply), and read back
 * after saving: what the editor then shows is what the server kept. A refusal lists each
 * field the server names with its reason.
 */
import { Button, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { describeRefusal, ProblemList, parseJson, useJsonDocument } from '../editor/use-json-document.tsx';

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
  const [errors, setErrors] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const first = async (into: (value: unknown) => void) => {
    try {
      into(await load());
    } catch (error) {
      setErrors(describeRefusal(error));
    }
  };
  const { host, text, show, problems } = useJsonDocument(uri, '{}', first, () => {
    setSaved(false);
    setErrors([]);
  });

  const submit = async () => {
    const parsed = parseJson(text() ?? '');
    if ('error' in parsed) return setErrors([parsed.error]);
    setBusy(true);
    setErrors([]);
    try {
      await save(parsed.value);
      // Read back: the editor shows what the server kept.
      show(await load());
      setSaved(true);
    } catch (error) {
      setErrors(describeRefusal(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="xs" data-testid={testId}>
      <div ref={host} style={{ height: 360, border: '1px solid var(--mantine-color-gray-4)' }} />
      <ProblemList lines={problems} testId={`${testId}-problems`} />
      <ProblemList lines={errors} testId={`${testId}-errors`} title="Not saved" />
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
