/**
 * The code step's editor: Monaco with TypeScript, typed from the trigger module's fields,
 * the modules its link fields lead to (`linked`), the user's profile and the step's
 * declared output (model/code-typings.ts); problems
 * listed under the editor in plain words as well as underlined; Format; and "Run with the
 * sample record", which runs the source in the server's sandbox on a record of the
 * module (POST /api/flows/code-runs) and shows the output and log lines, nothing saved.
 * Loaded lazily, Monaco with it.
 */
import { Alert, Badge, Button, Code, Group, JsonInput, Select, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { codeTypings, linkedModuleNames, type ModuleField } from '../model/code-typings.ts';
import { monaco } from './monaco.ts';

interface Params {
  language?: 'ts' | 'js';
  source?: string;
  outputSchema?: Record<string, unknown>;
  timeLimitMs?: number;
  applyToRecord?: boolean;
}

interface TryResult {
  ok: boolean;
  output?: unknown;
  logs: Array<{ level: string; text: string }>;
  error?: { kind: string; message: string; line?: number; column?: number };
  schemaErrors?: Array<{ path: string; message: string }>;
}

interface Marker {
  line: number;
  column: number;
  message: string;
}

export default function CodeStepEditor({
  nodeId,
  module,
  params,
  onParams,
}: {
  nodeId: string;
  module: string | undefined;
  params: Params;
  onParams: (params: Params) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const paramsRef = useRef(params);
  paramsRef.current = params;
  const onParamsRef = useRef(onParams);
  onParamsRef.current = onParams;
  const [fields, setFields] = useState<ModuleField[]>([]);
  const [linkedModules, setLinkedModules] = useState<Record<string, ModuleField[]>>({});
  const [markers, setMarkers] = useState<Marker[]>([]);
  const [records, setRecords] = useState<Array<{ value: string; label: string }>>([]);
  const [recordId, setRecordId] = useState<string | null>(null);
  const [result, setResult] = useState<TryResult | null>(null);
  const [running, setRunning] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [schemaText, setSchemaText] = useState(
    params.outputSchema ? JSON.stringify(params.outputSchema, null, 2) : '',
  );
  const language = params.language ?? 'ts';

  useEffect(() => {
    if (!module) return;
    api<{ fields: ModuleField[] }>('GET', `/modules/${module}`).then(
      async (found) => {
        setFields(found.fields);
        // The modules the link fields lead to, each once, for `linked`'s types.
        const targets = linkedModuleNames(found.fields);
        const loaded = await Promise.all(
          targets.map((target) =>
            api<{ fields: ModuleField[] }>('GET', `/modules/${target}`).then(
              (definition) => [target, definition.fields] as const,
              () => null,
            ),
          ),
        );
        setLinkedModules(Object.fromEntries(loaded.filter((entry) => entry !== null)));
      },
      () => setFields([]),
    );
    api<{ items: Array<Record<string, unknown>> }>('GET', `/records/${module}?limit=20`).then(
      (page) => {
        const options = page.items.map((item) => ({
          value: String(item.id),
          label:
            [item.firstName, item.lastName].filter(Boolean).join(' ') ||
            String(item.name ?? item.subject ?? item.id),
        }));
        setRecords(options);
        setRecordId((current) => current ?? options[0]?.value ?? null);
      },
      () => setRecords([]),
    );
  }, [module]);

  useEffect(() => {
    const lib = monaco.typescript.typescriptDefaults.addExtraLib(
      codeTypings(fields, params.outputSchema, linkedModules),
      `file:///weft/code-step-${nodeId}.d.ts`,
    );
    return () => lib.dispose();
  }, [fields, linkedModules, params.outputSchema, nodeId]);

  // One model per node and language; created with the editor, fed by the params after.
  useEffect(() => {
    if (!host.current) return;
    const uri = monaco.Uri.parse(`file:///weft/steps/${nodeId}.${language === 'ts' ? 'ts' : 'js'}`);
    const model =
      monaco.editor.getModel(uri) ??
      monaco.editor.createModel(
        paramsRef.current.source ?? '',
        language === 'ts' ? 'typescript' : 'javascript',
        uri,
      );
    if (model.getValue() !== (paramsRef.current.source ?? '')) model.setValue(paramsRef.current.source ?? '');
    const editor = monaco.editor.create(host.current, {
      model,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      lineNumbers: 'on',
      wordWrap: 'on',
      scrollBeyondLastLine: false,
    });
    editorRef.current = editor;
    const changed = model.onDidChangeContent(() =>
      onParamsRef.current({ ...paramsRef.current, source: model.getValue() }),
    );
    const readMarkers = () =>
      setMarkers(
        monaco.editor
          .getModelMarkers({ resource: uri })
          .filter((m) => m.severity === monaco.MarkerSeverity.Error)
          .map((m) => ({ line: m.startLineNumber, column: m.startColumn, message: m.message })),
      );
    const markersChanged = monaco.editor.onDidChangeMarkers((uris) => {
      if (uris.some((u) => u.toString() === uri.toString())) readMarkers();
    });
    return () => {
      changed.dispose();
      markersChanged.dispose();
      editor.dispose();
      model.dispose();
      editorRef.current = null;
    };
  }, [nodeId, language]);

  const run = async () => {
    if (!module || !recordId) return;
    setRunning(true);
    setFailure(null);
    try {
      setResult(
        await api<TryResult>('POST', '/flows/code-runs', {
          source: paramsRef.current.source ?? '',
          language,
          module,
          recordId,
          ...(params.outputSchema && { outputSchema: params.outputSchema }),
          ...(params.timeLimitMs && { timeLimitMs: params.timeLimitMs }),
        }),
      );
    } catch (error) {
      setFailure((error as Error).message);
    } finally {
      setRunning(false);
    }
  };

  return (
    <Stack gap="xs" data-testid="code-step-editor">
      <Group justify="space-between">
        <Text size="sm" fw={500}>
          Code ({language === 'ts' ? 'TypeScript' : 'JavaScript'})
        </Text>
        <Button
          size="compact-xs"
          variant="subtle"
          onClick={() => editorRef.current?.getAction('editor.action.formatDocument')?.run()}
        >
          Format
        </Button>
      </Group>
      <Text size="xs" c="dimmed">
        The body of a function: record, previous, trigger, user, vars and steps are at hand; return the
        output.
      </Text>
      <div
        ref={host}
        style={{ height: 220, border: '1px solid var(--mantine-color-gray-4)' }}
        data-testid="code-editor"
      />
      {markers.length === 0 ? (
        <Text size="xs" c="green" data-testid="code-problems">
          No problems
        </Text>
      ) : (
        <Alert color="red" p="xs" data-testid="code-problems">
          {markers.map((m) => (
            <Text key={`${m.line}:${m.column}:${m.message}`} size="xs">
              Line {m.line}, column {m.column}: {m.message}
            </Text>
          ))}
        </Alert>
      )}
      <JsonInput
        label="Output schema"
        description="JSON Schema of what the code returns: the output is checked against it, and later steps’ {{steps.<id>.output.result…}} too"
        value={schemaText}
        autosize
        minRows={3}
        validationError="Not valid JSON"
        formatOnBlur
        onChange={(text) => {
          setSchemaText(text);
          if (text.trim() === '') {
            const { outputSchema: _dropped, ...rest } = paramsRef.current;
            onParams(rest);
            return;
          }
          try {
            const parsed = JSON.parse(text) as unknown;
            if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
              onParams({ ...paramsRef.current, outputSchema: parsed as Record<string, unknown> });
          } catch {
            // Kept as typed until it parses.
          }
        }}
      />
      <Select
        label="Sample record"
        data={records}
        value={recordId}
        onChange={setRecordId}
        placeholder={module ? 'No records yet' : 'The trigger names no module'}
        size="xs"
        searchable
      />
      <Group gap="xs">
        <Button size="xs" onClick={run} loading={running} disabled={!recordId}>
          Run with the sample record
        </Button>
        <Text size="xs" c="dimmed">
          Nothing is saved; earlier steps do not run (use Test run for the whole flow).
        </Text>
      </Group>
      {failure && (
        <Alert color="red" p="xs">
          <Text size="xs">{failure}</Text>
        </Alert>
      )}
      {result && (
        <Stack gap={4} data-testid="code-run-result">
          <Group gap="xs">
            <Text size="xs" fw={500}>
              Result
            </Text>
            <Badge size="xs" color={result.ok && !result.schemaErrors ? 'green' : 'red'}>
              {result.ok ? (result.schemaErrors ? 'does not match the output schema' : 'ran') : 'failed'}
            </Badge>
          </Group>
          {result.error && (
            <Text size="xs" c="red">
              {result.error.message}
              {result.error.line !== undefined &&
                ` (line ${result.error.line}${result.error.column !== undefined ? `, column ${result.error.column}` : ''})`}
            </Text>
          )}
          {result.schemaErrors?.map((e) => (
            <Text key={e.path + e.message} size="xs" c="red">
              {e.path || 'the result'} {e.message}
            </Text>
          ))}
          {result.ok && (
            <Code block fz={11}>
              {JSON.stringify(result.output, null, 2)}
            </Code>
          )}
          <Text size="xs" fw={500}>
            Log
          </Text>
          <Code block fz={11} data-testid="code-run-logs">
            {result.logs.length === 0
              ? '(nothing logged)'
              : result.logs.map((l) => `${l.level}: ${l.text}`).join('\n')}
          </Code>
        </Stack>
      )}
    </Stack>
  );
}
