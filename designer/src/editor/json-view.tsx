/**
 * The flow as JSON in Monaco, validated and completed from the flow schema. Loaded lazily
 * (React.lazy) so Monaco stays out of the first bundle. Two-way: a canvas change rewrites
 * the text unless it already says the same; text that parses and fits the schema's outline
 * replaces the flow, anything else shows its errors and leaves the canvas alone.
 */
import { Alert, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { Flow } from '../../../schemas/flow.ts';
import { outlineErrors } from '../model/flow-outline.ts';
import { flowModelUri as modelUri, monaco } from './monaco.ts';

const sameJson = (text: string, flow: Flow) => {
  try {
    return JSON.stringify(JSON.parse(text)) === JSON.stringify(flow);
  } catch {
    return false;
  }
};

export default function JsonView({ flow, onFlow }: { flow: Flow; onFlow: (flow: Flow) => void }) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const initialFlow = useRef(flow);
  const onFlowRef = useRef(onFlow);
  onFlowRef.current = onFlow;
  const [errors, setErrors] = useState<string[]>([]);

  // The editor is created once; later flows arrive through the effect below.
  useEffect(() => {
    if (!host.current) return;
    const model = monaco.editor.getModel(modelUri) ?? monaco.editor.createModel('', 'json', modelUri);
    model.setValue(JSON.stringify(initialFlow.current, null, 2));
    const editor = monaco.editor.create(host.current, {
      model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      scrollBeyondLastLine: false,
    });
    editorRef.current = editor;
    const subscription = model.onDidChangeContent(() => {
      const text = model.getValue();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        setErrors([`Invalid JSON: ${(error as Error).message}`]);
        return;
      }
      const problems = outlineErrors(parsed);
      setErrors(problems);
      if (problems.length === 0) onFlowRef.current(parsed as Flow);
    });
    return () => {
      subscription.dispose();
      editor.dispose();
      editorRef.current = null;
    };
  }, []);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (model && !sameJson(model.getValue(), flow)) model.setValue(JSON.stringify(flow, null, 2));
  }, [flow]);

  return (
    <Stack gap={0} h="100%" style={{ minHeight: 0 }}>
      {errors.length > 0 && (
        <Alert color="red" p="xs" radius={0} data-testid="json-errors">
          {errors.map((error) => (
            <Text key={error} size="xs">
              {error}
            </Text>
          ))}
          <Text size="xs" c="dimmed">
            The canvas keeps the last valid version until the JSON is fixed.
          </Text>
        </Alert>
      )}
      <div ref={host} data-testid="json-editor" style={{ flex: 1, minHeight: 0 }} />
    </Stack>
  );
}
