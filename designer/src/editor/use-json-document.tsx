/**
 * What Studio's JSON editors share (a module's fields, a dropdown, a form layout): a Monaco
 * editor on a JSON model whose URI picks its schema (editor/monaco.ts), the schema's
 * complaints as plain lines, the server's refusal as one line per field it names, and the
 * list that shows either.
 */
import { Alert, Text } from '@mantine/core';
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api.ts';
import { monaco } from './monaco.ts';

/** A refusal as lines: each field the server names with its reason, else its message. */
export function describeRefusal(error: unknown): string[] {
  if (!(error instanceof ApiError)) return [(error as Error).message];
  const details = Array.isArray(error.details)
    ? (error.details as Array<{ field?: string; reason?: string }>)
    : [];
  const named = details.map((d) =>
    `${(d.field ?? '').replace(/^\/?(body\.)?/, '')} ${d.reason ?? ''}`.trim(),
  );
  return named.length > 0 ? named : [error.message];
}

/** The editor's text as JSON, or the reason it is not. */
export function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (error) {
    return { error: `Invalid JSON: ${(error as Error).message}` };
  }
}

export interface JsonDocumentEditor {
  host: RefObject<HTMLDivElement | null>;
  /** The text as typed. */
  text: () => string | undefined;
  /** Puts a value in the editor as the server has it; not an edit (`onEdit` is not called). */
  show: (value: unknown) => void;
  /** The schema's warnings and errors, as "Line n: message". */
  problems: string[];
}

/**
 * Creates the editor in `host` on the model for `uri` (`initial` until `load` shows the
 * document), calls `onEdit` when the user changes the text, and disposes both when the URI
 * changes.
 */
export function useJsonDocument(
  uri: string,
  initial: string,
  load: (show: (value: unknown) => void) => Promise<unknown>,
  onEdit: () => void,
): JsonDocumentEditor {
  const host = useRef<HTMLDivElement>(null);
  const model = useRef<monaco.editor.ITextModel | null>(null);
  const loadRef = useRef(load);
  loadRef.current = load;
  const onEditRef = useRef(onEdit);
  onEditRef.current = onEdit;
  const [problems, setProblems] = useState<string[]>([]);
  const showing = useRef(false);
  const show = useCallback((value: unknown) => {
    showing.current = true;
    try {
      model.current?.setValue(JSON.stringify(value, null, 2));
    } finally {
      showing.current = false;
    }
  }, []);
  const text = useCallback(() => model.current?.getValue(), []);

  useEffect(() => {
    if (!host.current) return;
    const resource = monaco.Uri.parse(uri);
    const current = monaco.editor.getModel(resource) ?? monaco.editor.createModel(initial, 'json', resource);
    model.current = current;
    const editor = monaco.editor.create(host.current, {
      model: current,
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
          // The schema's complaints come as warnings: each is something the server would refuse.
          .filter((m) => m.severity >= monaco.MarkerSeverity.Warning)
          .map((m) => `Line ${m.startLineNumber}: ${m.message}`),
      );
    });
    const changed = current.onDidChangeContent(() => {
      if (!showing.current) onEditRef.current();
    });
    void loadRef.current(show);
    return () => {
      markers.dispose();
      changed.dispose();
      editor.dispose();
      current.dispose();
      model.current = null;
    };
  }, [uri, initial, show]);

  return { host, text, show, problems };
}

/** Lines in a red alert, nothing when there are none. */
export function ProblemList({ lines, testId, title }: { lines: string[]; testId: string; title?: string }) {
  if (lines.length === 0) return null;
  return (
    <Alert color="red" p="xs" data-testid={testId} title={title}>
      {lines.map((line) => (
        <Text key={line} size="xs">
          {line}
        </Text>
      ))}
    </Alert>
  );
}
