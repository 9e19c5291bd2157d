/**
 * Monaco for a template's HTML body. Monaco rather than MJML: templates are HTML with
 * `{{variables}}` that the engine renders and the server checks as they are; an MJML
 * layer would add a second language (and a compile step whose output the preview and the
 * checks would have to follow). Monaco gives HTML highlighting, folding and completion,
 * with no network. Loaded lazily so Monaco stays out of the first bundle.
 */
import { useEffect, useRef } from 'react';
import { monaco } from '../editor/monaco.ts';

export default function HtmlEditor({
  value,
  onChange,
}: {
  value: string;
  onChange: (value: string) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const onChangeRef = useRef(onChange);
  onChangeRef.current = onChange;
  const initial = useRef(value);

  useEffect(() => {
    if (!host.current) return;
    const editor = monaco.editor.create(host.current, {
      value: initial.current,
      language: 'html',
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      wordWrap: 'on',
      scrollBeyondLastLine: false,
      ariaLabel: 'HTML body',
    });
    editorRef.current = editor;
    const subscription = editor.onDidChangeModelContent(() => onChangeRef.current(editor.getValue()));
    return () => {
      subscription.dispose();
      editor.dispose();
    };
  }, []);

  useEffect(() => {
    const editor = editorRef.current;
    if (editor && editor.getValue() !== value) editor.setValue(value);
  }, [value]);

  return (
    <div
      ref={host}
      style={{ height: 360, border: '1px solid var(--mantine-color-gray-4)' }}
      data-testid="html-editor"
    />
  );
}
