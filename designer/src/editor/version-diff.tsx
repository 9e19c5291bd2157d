/** Two versions of a flow side by side in Monaco's diff editor (lazy, like the JSON view). */
import { useEffect, useRef } from 'react';
import { monaco } from './monaco.ts';

export default function VersionDiff({ left, right }: { left: unknown; right: unknown }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const original = monaco.editor.createModel(JSON.stringify(left, null, 2), 'json');
    const modified = monaco.editor.createModel(JSON.stringify(right, null, 2), 'json');
    const editor = monaco.editor.createDiffEditor(host.current, {
      readOnly: true,
      automaticLayout: true,
      minimap: { enabled: false },
      renderSideBySide: true,
      fontSize: 12,
    });
    editor.setModel({ original, modified });
    return () => {
      editor.dispose();
      original.dispose();
      modified.dispose();
    };
  }, [left, right]);
  return <div ref={host} data-testid="version-diff" style={{ height: '70vh' }} />;
}
