/**
 * The pipeline board: a column per stage with its count and financial total, a card per
 * record. Drag a card (mouse, touch, or keyboard: focus the card's handle, Space, arrows,
 * Space) or use its "Move to" menu: forward completes the stages between (asking for the
 * comments they require), backward reverts. The server checks every rule; a refusal puts
 * the card back and says why. Someone else's moves arrive live.
 */
import {
  DndContext,
  type DragEndEvent,
  type KeyboardCoordinateGetter,
  KeyboardSensor,
  PointerSensor,
  useDraggable,
  useDroppable,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Menu,
  Modal,
  ScrollArea,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { useLive } from '../app/live.ts';
import { useModules } from '../console/console-api.ts';
import { useAssignees } from '../records/field-input.tsx';
import { moveCard, planMove } from './board-model.ts';
import {
  type Board,
  type BoardCard,
  type BoardColumn,
  money,
  type Process,
  refusalText,
  useGet,
} from './processes-api.ts';

/**
 * Arrow keys move a lifted card a whole column left or right (to the next column's top),
 * rather than dnd-kit's default 25 pixels, so a keyboard move is a few presses.
 */
const columnJump: KeyboardCoordinateGetter = (event, { currentCoordinates, context }) => {
  const step = event.code === 'ArrowRight' ? 1 : event.code === 'ArrowLeft' ? -1 : 0;
  const card = context.collisionRect;
  if (step === 0 || !card) return undefined;
  const columns = [...context.droppableRects.values()].sort((a, b) => a.left - b.left);
  const middle = card.left + card.width / 2;
  const here = columns.findIndex((rect) => middle >= rect.left && middle <= rect.left + rect.width);
  const target = columns[Math.max(here, 0) + step];
  if (!target) return currentCoordinates;
  return {
    x: currentCoordinates.x + (target.left + (target.width - card.width) / 2 - card.left),
    y: currentCoordinates.y + (target.top + 48 - card.top),
  };
};

interface Pending {
  cardId: string;
  cardName: string;
  from: string;
  to: string;
  needComments: { id: string; name: string }[];
}

export function PipelineBoard({ process }: { process: Process }) {
  const modules = useModules() ?? [];
  const assignees = useAssignees();
  const [module, setModule] = useState<string>(process.financialModule ?? process.modules[0] ?? '');
  const [assignedTo, setAssignedTo] = useState<string | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const query = new URLSearchParams({ module, limit: '50' });
  if (assignedTo) query.set('assignedTo', assignedTo);
  if (from) query.set('from', new Date(`${from}T00:00:00`).toISOString());
  if (to) query.set('to', new Date(`${to}T23:59:59`).toISOString());
  const { data, error, reload } = useGet<Board>(`/processes/${process.id}/board?${query}`);
  const [columns, setColumns] = useState<BoardColumn[] | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, setPending] = useState<Pending | null>(null);
  useEffect(() => setColumns(data?.columns ?? null), [data]);
  useLive('process.progress', (push) => {
    if (push.data?.processId === process.id) reload();
  });
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 5 } }),
    useSensor(KeyboardSensor, { coordinateGetter: columnJump }),
  );

  const commit = async (move: Pending, comments: Record<string, string>) => {
    setPending(null);
    setColumns((current) => (current ? moveCard(current, move.cardId, move.to) : current));
    try {
      await api('POST', `/processes/${process.id}/records/${move.cardId}/move`, {
        module,
        toStageId: move.to,
        ...(Object.keys(comments).length > 0 ? { comments } : {}),
      });
      setRefusal(null);
    } catch (e) {
      setRefusal(`“${move.cardName}” stays where it was: ${refusalText(e)}`);
    }
    reload();
  };

  const request = (cardId: string, target: string) => {
    const column = columns?.find((candidate) => candidate.cards.some((card) => card.id === cardId));
    const card = column?.cards.find((candidate) => candidate.id === cardId);
    if (!column || !card || column.stageId === target) return;
    const plan = planMove(process.stages, column.stageId, target);
    if (plan.direction === 'none') return;
    const move = {
      cardId,
      cardName: card.name,
      from: column.stageId,
      to: target,
      needComments: plan.needComments,
    };
    if (plan.needComments.length > 0) setPending(move);
    else void commit(move, {});
  };

  const onDragEnd = (event: DragEndEvent) => {
    if (event.over) request(String(event.active.id), String(event.over.id));
  };

  return (
    <Stack gap="sm" style={{ flex: 1, minHeight: 0 }}>
      <Group gap="sm" align="end" wrap="wrap">
        {process.modules.length > 1 && (
          <Select
            label="Module"
            w={180}
            value={module}
            onChange={(value) => value && setModule(value)}
            data={process.modules.map((name) => ({
              value: name,
              label: modules.find((m) => m.name === name)?.label ?? name,
            }))}
          />
        )}
        <Select
          label="Assigned to"
          w={240}
          clearable
          searchable
          placeholder="Anyone"
          value={assignedTo}
          onChange={setAssignedTo}
          data={assignees}
        />
        <TextInput
          label="Moved from"
          type="date"
          w={160}
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
        />
        <TextInput
          label="Moved until"
          type="date"
          w={160}
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
        />
      </Group>
      {refusal && (
        <Alert color="red" title="Move refused" withCloseButton onClose={() => setRefusal(null)} role="alert">
          {refusal}
        </Alert>
      )}
      {error && <Alert color="red">{error}</Alert>}
      {!columns ? (
        <Loader />
      ) : (
        <DndContext sensors={sensors} onDragEnd={onDragEnd}>
          <ScrollArea type="auto" style={{ flex: 1 }}>
            <Group align="stretch" wrap="nowrap" gap="sm" pb="md" data-testid="board">
              {columns.map((column) => (
                <Column
                  key={column.stageId}
                  column={column}
                  module={module}
                  targets={columns.filter((other) => other.stageId !== column.stageId)}
                  onMove={request}
                  showTotal={Boolean(process.financialField)}
                />
              ))}
            </Group>
          </ScrollArea>
        </DndContext>
      )}
      <CommentsModal pending={pending} onCancel={() => setPending(null)} onConfirm={commit} />
    </Stack>
  );
}

function Column({
  column,
  module,
  targets,
  onMove,
  showTotal,
}: {
  column: BoardColumn;
  module: string;
  targets: BoardColumn[];
  onMove: (cardId: string, target: string) => void;
  showTotal: boolean;
}) {
  const { setNodeRef, isOver } = useDroppable({ id: column.stageId });
  return (
    <Stack
      ref={setNodeRef}
      gap="xs"
      miw={190}
      p="xs"
      data-testid={`column-${column.name}`}
      aria-label={`${column.name}: ${column.count} records`}
      style={{
        flex: '1 1 0',
        borderRadius: 8,
        background: isOver ? 'var(--mantine-color-blue-0)' : 'var(--mantine-color-gray-0)',
        minHeight: 200,
      }}
    >
      <Group justify="space-between" wrap="nowrap">
        <Text fw={600} size="sm">
          {column.name}
        </Text>
        <Badge variant="light" data-testid="column-count">
          {column.count}
        </Badge>
      </Group>
      {showTotal && (
        <Text size="xs" c="dimmed" data-testid="column-total">
          Total {money(column.total ?? 0)}
        </Text>
      )}
      {column.cards.map((card) => (
        <RecordCard key={card.id} card={card} module={module} targets={targets} onMove={onMove} />
      ))}
      {column.count > column.cards.length && (
        <Text size="xs" c="dimmed">
          and {column.count - column.cards.length} more
        </Text>
      )}
    </Stack>
  );
}

function RecordCard({
  card,
  module,
  targets,
  onMove,
}: {
  card: BoardCard;
  module: string;
  targets: BoardColumn[];
  onMove: (cardId: string, target: string) => void;
}) {
  const { attributes, listeners, setNodeRef, transform, isDragging } = useDraggable({ id: card.id });
  const style = transform
    ? { transform: `translate(${transform.x}px, ${transform.y}px)`, zIndex: 10 }
    : undefined;
  return (
    <Card
      ref={setNodeRef}
      withBorder
      padding="xs"
      style={{ ...style, opacity: isDragging ? 0.7 : 1 }}
      data-testid="card"
    >
      <Group justify="space-between" wrap="nowrap" gap={4}>
        <ActionIcon
          variant="subtle"
          size="sm"
          aria-label={`Drag ${card.name}`}
          {...attributes}
          {...listeners}
          style={{ cursor: 'grab' }}
        >
          ⠿
        </ActionIcon>
        <AppLink to={`/records/${module}/${card.id}`} size="sm" fw={500} style={{ flex: 1 }}>
          {card.name}
        </AppLink>
        <Menu position="bottom-end">
          <Menu.Target>
            <ActionIcon variant="subtle" size="sm" aria-label={`Move ${card.name} to`}>
              ⇄
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Move to</Menu.Label>
            {targets.map((target) => (
              <Menu.Item key={target.stageId} onClick={() => onMove(card.id, target.stageId)}>
                {target.name}
              </Menu.Item>
            ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Group justify="space-between" gap={4}>
        <Text size="xs" c="dimmed">
          {card.assignedToName ?? 'Unassigned'}
        </Text>
        {card.value !== null && <Text size="xs">{money(card.value)}</Text>}
      </Group>
    </Card>
  );
}

function CommentsModal({
  pending,
  onCancel,
  onConfirm,
}: {
  pending: Pending | null;
  onCancel: () => void;
  onConfirm: (move: Pending, comments: Record<string, string>) => void;
}) {
  const [comments, setComments] = useState<Record<string, string>>({});
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new move starts with no comments.
  useEffect(() => setComments({}), [pending]);
  if (!pending) return null;
  const missing = pending.needComments.some((stage) => !comments[stage.id]?.trim());
  return (
    <Modal opened onClose={onCancel} title={`Move “${pending.cardName}”`}>
      <Stack>
        <Text size="sm">These stages need a comment to be completed:</Text>
        {pending.needComments.map((stage) => (
          <Textarea
            key={stage.id}
            label={`Comment for “${stage.name}”`}
            value={comments[stage.id] ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setComments((current) => ({ ...current, [stage.id]: value }));
            }}
            autosize
            minRows={2}
          />
        ))}
        <Group justify="end">
          <Button variant="default" onClick={onCancel}>
            Cancel
          </Button>
          <Button disabled={missing} onClick={() => onConfirm(pending, comments)}>
            Move
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
