/**
 * A node on the canvas. Plain elements, no component-library widgets: a 500-node flow
 * draws 500 of these, and they must stay cheap to mount and to repaint.
 */
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { handlesOf, triggerId } from '../model/catalog.ts';
import type { CanvasNode } from '../model/flow-graph.ts';
import { describeCondition } from '../model/simple-condition.ts';
import { useCanvasInfo } from './canvas-context.ts';

/** An id a picker stored: the panel names it; the canvas does not show it. */
const storedId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One line about the params: the first text one, else the first one as compact JSON; never an id. */
function summary(params: Record<string, unknown>): string {
  const condition = describeCondition(params.condition);
  if (condition) return condition;
  const entries = Object.entries(params).filter(
    ([, v]) => v !== undefined && v !== '' && !(typeof v === 'string' && storedId.test(v)),
  );
  const text = entries.find(([, v]) => typeof v === 'string');
  if (text) return `${text[0]}: ${String(text[1])}`;
  const first = entries[0];
  if (!first) return '';
  const [key, value] = first;
  if (Array.isArray(value)) return `${key}: ${value.length} ${value.length === 1 ? 'item' : 'items'}`;
  if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v !== 'object'))
    return `${key}: ${Object.values(value).join(' ')}`;
  return `${key}: ${JSON.stringify(value).slice(0, 80)}`;
}

type Props = NodeProps & { data: CanvasNode['data'] };

export const FlowNodeView = memo(function FlowNodeView({ id, data, selected }: Props) {
  const { catalog, problemsByNode, runStatus, addFrom } = useCanvasInfo();
  const entry = catalog.get(data.nodeType);
  const problems = problemsByNode.get(id) ?? [];
  const handles = handlesOf(entry, data.params);
  const status = runStatus.get(id);
  const isTrigger = id === triggerId;
  const classes = [
    'weft-node',
    isTrigger && 'trigger',
    selected && 'selected',
    problems.length > 0 && 'has-problems',
    status && 'ran',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className={classes} data-testid={`node-${id}`} data-node-type={data.nodeType}>
      {!isTrigger && <Handle type="target" position={Position.Top} />}
      <div className="weft-node-head">
        <span>{isTrigger ? 'Trigger' : (entry?.category ?? 'Unknown')}</span>
        <span>
          {status && <span className={`weft-pill status-${status}`}>{status}</span>}
          {problems.length > 0 && (
            <span
              className="weft-pill problems"
              title={problems.map((p) => p.message).join('\n')}
              data-testid={`problems-${id}`}
            >
              {problems.length}
            </span>
          )}
        </span>
      </div>
      <div className="weft-node-body">
        <div className="weft-node-title">{data.label ?? entry?.title ?? data.nodeType}</div>
        <div className="weft-node-sub">
          {isTrigger
            ? summary(data.params) || entry?.category
            : `${data.label ? `${entry?.title ?? data.nodeType} · ` : ''}${id} · ${summary(data.params) || entry?.category}`}
        </div>
      </div>
      {handles.map((handle, index) => {
        const left = `${((index + 1) / (handles.length + 1)) * 100}%`;
        return (
          <div key={handle.id}>
            <Handle
              type="source"
              position={Position.Bottom}
              id={handle.id}
              className={handle.id === 'error' ? 'error-handle' : undefined}
              style={{ left }}
              data-testid={`handle-${id}-${handle.id}`}
            />
            {handle.label && (
              <span className="weft-handle-label" style={{ left }}>
                {handle.label}
              </span>
            )}
            {addFrom && (
              <button
                type="button"
                className="weft-add nodrag nopan"
                style={{ left }}
                title={`Add a step after ${handle.label || 'this node'}`}
                aria-label={`Add a step after ${entry?.title ?? id}${handle.label ? ` (${handle.label})` : ''}`}
                data-testid={`add-${id}-${handle.id}`}
                onClick={(event) => {
                  event.stopPropagation();
                  addFrom(id, handle.id);
                }}
              >
                +
              </button>
            )}
          </div>
        );
      })}
    </div>
  );
});
