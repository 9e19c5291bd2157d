import { Badge, Text, Tooltip } from '@mantine/core';
import { Handle, type NodeProps, Position } from '@xyflow/react';
import { memo } from 'react';
import { handlesOf, triggerId } from '../model/catalog.ts';
import type { CanvasNode } from '../model/flow-graph.ts';
import { useCanvasInfo } from './canvas-context.ts';
import { statusColor } from './flows-api.ts';

function summary(params: Record<string, unknown>): string {
  const first = Object.entries(params).find(([, v]) => typeof v === 'string' && v !== '');
  return first ? `${first[0]}: ${String(first[1])}` : '';
}

type Props = NodeProps & { data: CanvasNode['data'] };

export const FlowNodeView = memo(function FlowNodeView({ id, data, selected }: Props) {
  const { catalog, problemsByNode, runStatus } = useCanvasInfo();
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
          {status && (
            <Badge size="xs" color={statusColor[status] ?? 'gray'} variant="filled" mr={4}>
              {status}
            </Badge>
          )}
          {problems.length > 0 && (
            <Tooltip label={problems.map((p) => p.message).join('\n')} multiline w={260}>
              <Badge size="xs" color="red" variant="filled" data-testid={`problems-${id}`}>
                {problems.length}
              </Badge>
            </Tooltip>
          )}
        </span>
      </div>
      <div className="weft-node-body">
        <Text size="sm" fw={600} lineClamp={1}>
          {entry?.title ?? data.nodeType}
        </Text>
        <Text size="xs" c="dimmed" lineClamp={1}>
          {isTrigger
            ? summary(data.params) || data.nodeType
            : `${id} · ${summary(data.params) || data.nodeType}`}
        </Text>
      </div>
      {handles.map((handle, index) => {
        const left = `${((index + 1) / (handles.length + 1)) * 100}%`;
        return (
          <div key={handle.id}>
            <Handle
              type="source"
              position={Position.Bottom}
              id={handle.id}
              style={{ left, background: handle.id === 'error' ? 'var(--mantine-color-red-6)' : undefined }}
              data-testid={`handle-${id}-${handle.id}`}
            />
            {handle.label && (
              <span className="weft-handle-label" style={{ left }}>
                {handle.label}
              </span>
            )}
          </div>
        );
      })}
    </div>
  );
});
