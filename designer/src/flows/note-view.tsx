/**
 * A sticky note on the canvas: text for the people reading the flow (a little markdown),
 * a colour, resizable. Double-click (or its Edit button) edits the text. The engine and
 * the publish checks never see notes.
 */
import { type NodeProps, NodeResizer } from '@xyflow/react';
import { memo, useEffect, useRef, useState } from 'react';
import { noteColors } from '../../../schemas/flow.ts';
import type { CanvasNote } from '../model/flow-graph.ts';
import { blocksOf, type Span } from '../model/note-text.ts';
import { useCanvasInfo } from './canvas-context.ts';

export interface NoteData {
  [key: string]: unknown;
  note: CanvasNote;
}

const colourNames: Record<(typeof noteColors)[number], string> = {
  yellow: 'Yellow',
  blue: 'Blue',
  green: 'Green',
  pink: 'Pink',
  grey: 'Grey',
};

function Spans({ spans }: { spans: Span[] }) {
  return spans.map((span, index) => {
    const key = `${index}-${span.kind}`;
    if (span.kind === 'bold') return <strong key={key}>{span.text}</strong>;
    if (span.kind === 'italic') return <em key={key}>{span.text}</em>;
    if (span.kind === 'code') return <code key={key}>{span.text}</code>;
    return <span key={key}>{span.text}</span>;
  });
}

export const NoteView = memo(function NoteView({ data, selected }: NodeProps & { data: NoteData }) {
  const { editNote } = useCanvasInfo();
  const { note } = data;
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(note.text);
  const area = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (editing) area.current?.focus();
    else setDraft(note.text);
  }, [editing, note.text]);
  const finish = () => {
    setEditing(false);
    if (draft !== note.text) editNote?.(note.id, { text: draft });
  };
  const blocks = blocksOf(note.text);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: double-click is a mouse shortcut; the Edit button is the keyboard path
    <div
      className={`weft-note note-${note.color ?? 'yellow'}${selected ? ' selected' : ''}`}
      data-testid={`note-${note.id}`}
      onDoubleClick={() => setEditing(true)}
    >
      <NodeResizer
        isVisible={!!selected}
        minWidth={80}
        minHeight={40}
        onResizeStart={() => editNote?.(note.id, 'resize-start')}
        onResizeEnd={(_event, box) =>
          editNote?.(note.id, {
            position: { x: box.x, y: box.y },
            width: box.width,
            height: box.height,
          })
        }
      />
      {selected && !editing && (
        <div className="weft-note-tools nodrag nopan">
          {noteColors.map((colour) => (
            <button
              type="button"
              key={colour}
              className={`weft-note-swatch note-${colour}`}
              aria-label={`${colourNames[colour]} note`}
              aria-pressed={(note.color ?? 'yellow') === colour}
              title={colourNames[colour]}
              onClick={() => editNote?.(note.id, { color: colour })}
            />
          ))}
          <button
            type="button"
            className="weft-note-edit"
            onClick={() => setEditing(true)}
            aria-label="Edit the note"
          >
            Edit
          </button>
          <button
            type="button"
            className="weft-note-edit"
            onClick={() => editNote?.(note.id, null)}
            aria-label="Delete the note"
          >
            Delete
          </button>
        </div>
      )}
      {editing ? (
        <textarea
          ref={area}
          className="weft-note-text nodrag nowheel"
          aria-label="Note text"
          value={draft}
          maxLength={5000}
          onChange={(event) => setDraft(event.target.value)}
          onBlur={finish}
          onKeyDown={(event) => {
            if (event.key === 'Escape' || (event.key === 'Enter' && (event.ctrlKey || event.metaKey))) {
              event.preventDefault();
              finish();
            }
          }}
        />
      ) : (
        <div className="weft-note-body">
          {blocks.length === 0 && <span className="weft-note-empty">Double-click to write a note</span>}
          {blocks.map((block, index) => {
            const key = `${index}-${block.kind}`;
            if (block.kind === 'heading')
              return (
                <strong key={key} className="weft-note-heading">
                  <Spans spans={block.spans} />
                </strong>
              );
            if (block.kind === 'list')
              return (
                <ul key={key}>
                  {block.items.map((item, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: list items have nothing else to key on
                    <li key={i}>
                      <Spans spans={item} />
                    </li>
                  ))}
                </ul>
              );
            return (
              <p key={key}>
                <Spans spans={block.spans} />
              </p>
            );
          })}
        </div>
      )}
    </div>
  );
});
