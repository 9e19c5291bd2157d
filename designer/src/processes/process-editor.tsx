/**
 * The process editor (admin): name, modules (and which it is the default of), colour, the
 * financial field, and the stages — reordered by drag and drop (or Alt+↑/↓ on a stage's
 * handle), each with its own fields — beside a preview of the funnel the conversion rates
 * give. Stages keep their ids, so records in the process keep their progress.
 */
import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  arrayMove,
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Grid,
  Group,
  MultiSelect,
  NumberInput,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { done, fieldErrors, useModules } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { FunnelBars } from './funnel-view.tsx';
import type { Process, Stage } from './processes-api.ts';

type EditStage = Stage & { id: string; key: string };

const newId = () => Math.random().toString(16).slice(2, 10);
const numericTypes = new Set(['number', 'currency', 'percentage']);

export function ProcessEditor({
  process,
  onSaved,
}: {
  process: Process | null;
  onSaved?: (saved: Process) => void;
}) {
  const modules = useModules() ?? [];
  const [roles, setRoles] = useState<{ value: string; label: string }[]>([]);
  const [name, setName] = useState(process?.name ?? '');
  const [description, setDescription] = useState(process?.description ?? '');
  const [moduleNames, setModuleNames] = useState<string[]>(process?.modules ?? ['opportunities']);
  const [defaultFor, setDefaultFor] = useState<string[]>(process?.defaultFor ?? []);
  const [color, setColor] = useState(process?.color ?? '#228be6');
  const [financialModule, setFinancialModule] = useState<string | null>(process?.financialModule ?? null);
  const [financialField, setFinancialField] = useState<string | null>(process?.financialField ?? null);
  const [stages, setStages] = useState<EditStage[]>(
    (process?.stages ?? [{ id: newId(), name: '' }]).map((stage) => ({ ...stage, key: stage.id })),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  useEffect(() => {
    api<Page<{ id: string; name: string }>>('GET', '/roles').then(
      (page) => setRoles(page.items.map((role) => ({ value: role.id, label: role.name }))),
      () => setRoles([]),
    );
  }, []);
  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  const update = (key: string, patch: Partial<EditStage>) =>
    setStages((current) => current.map((stage) => (stage.key === key ? { ...stage, ...patch } : stage)));
  const move = (from: number, to: number) => setStages((current) => arrayMove(current, from, to));
  const onDragEnd = (event: DragEndEvent) => {
    if (!event.over || event.active.id === event.over.id) return;
    const from = stages.findIndex((stage) => stage.key === event.active.id);
    const to = stages.findIndex((stage) => stage.key === event.over?.id);
    if (from >= 0 && to >= 0) move(from, to);
  };

  const financialModuleDef = modules.find((m) => m.name === financialModule);
  const save = async () => {
    setSaving(true);
    setMessage(null);
    const body = {
      name,
      description: description || null,
      modules: moduleNames,
      defaultFor: defaultFor.filter((m) => moduleNames.includes(m)),
      color,
      financialModule: financialModule && financialField ? financialModule : null,
      financialField: financialModule && financialField ? financialField : null,
      stages: stages.map(({ key: _key, ...stage }) => ({
        id: stage.id,
        name: stage.name,
        description: stage.description || null,
        conversionRate: stage.conversionRate ?? null,
        value: stage.value ?? null,
        requirePrevious: stage.requirePrevious ?? 'none',
        requireComment: stage.requireComment ?? false,
        roles: stage.roles ?? [],
      })),
    };
    try {
      const saved = await api<Process>(
        process ? 'PATCH' : 'POST',
        process ? `/processes/${process.id}` : '/processes',
        body,
      );
      setErrors({});
      done(`Process “${saved.name}” saved`);
      if (onSaved) onSaved(saved);
      else navigate(`/processes/${saved.id}/edit`);
    } catch (e) {
      setErrors(fieldErrors(e));
      setMessage((e as Error).message);
    } finally {
      setSaving(false);
    }
  };

  // The funnel the conversion rates promise: of 100 records entering, how many reach each stage.
  let entering = 100;
  const preview = stages.map((stage, index) => {
    if (index > 0) entering = (entering * (stages[index - 1]?.conversionRate ?? 100)) / 100;
    return { key: stage.key, name: stage.name || `Stage ${index + 1}`, value: Math.round(entering) };
  });

  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, md: 8 }}>
        <Stack gap="sm">
          {message && (
            <Alert color="red" title="Not saved">
              {message}
            </Alert>
          )}
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={errors.name}
          />
          <Textarea
            label="Description"
            value={description}
            onChange={(e) => setDescription(e.currentTarget.value)}
            autosize
          />
          <Group grow align="start">
            <MultiSelect
              label="Modules"
              data={modules.map((m) => ({ value: m.name, label: m.label }))}
              value={moduleNames}
              onChange={setModuleNames}
              error={errors.modules ?? errors['modules/0']}
            />
            <MultiSelect
              label="Default process of"
              data={moduleNames.map((n) => ({
                value: n,
                label: modules.find((m) => m.name === n)?.label ?? n,
              }))}
              value={defaultFor}
              onChange={setDefaultFor}
            />
            <TextInput
              label="Colour"
              type="color"
              value={color}
              onChange={(e) => setColor(e.currentTarget.value)}
            />
          </Group>
          <Group grow align="start">
            <Select
              label="Financial module"
              clearable
              data={moduleNames.map((n) => ({
                value: n,
                label: modules.find((m) => m.name === n)?.label ?? n,
              }))}
              value={financialModule}
              onChange={(value) => {
                setFinancialModule(value);
                setFinancialField(null);
              }}
            />
            <Select
              label="Financial field (summed per stage)"
              clearable
              disabled={!financialModuleDef}
              data={(financialModuleDef?.fields ?? [])
                .filter((field) => numericTypes.has(field.type))
                .map((field) => ({ value: field.name, label: field.label }))}
              value={financialField}
              onChange={setFinancialField}
              error={errors.financialField}
            />
          </Group>
          <Title order={5} mt="sm">
            Stages
          </Title>
          <Text size="xs" c="dimmed">
            Drag a stage by its handle to reorder (or focus the handle, press Space, move with the arrow keys,
            Space again).
          </Text>
          <DndContext sensors={sensors} collisionDetection={closestCenter} onDragEnd={onDragEnd}>
            <SortableContext items={stages.map((stage) => stage.key)} strategy={verticalListSortingStrategy}>
              <Stack gap="xs" data-testid="stages">
                {stages.map((stage, index) => (
                  <StageRow
                    key={stage.key}
                    stage={stage}
                    index={index}
                    earlier={stages.slice(0, index)}
                    roles={roles}
                    error={
                      errors[`stages/${index}/name`] ??
                      errors[`stages/${index}/requirePrevious`] ??
                      errors[`stages/${index}/roles`]
                    }
                    onChange={(patch) => update(stage.key, patch)}
                    onRemove={
                      stages.length > 1
                        ? () => setStages((current) => current.filter((s) => s.key !== stage.key))
                        : undefined
                    }
                  />
                ))}
              </Stack>
            </SortableContext>
          </DndContext>
          <Group>
            <Button
              variant="light"
              onClick={() => {
                const id = newId();
                setStages((current) => [...current, { id, key: id, name: '' }]);
              }}
            >
              Add stage
            </Button>
            <Button onClick={save} loading={saving}>
              {process ? 'Save process' : 'Create process'}
            </Button>
          </Group>
        </Stack>
      </Grid.Col>
      <Grid.Col span={{ base: 12, md: 4 }}>
        <Stack gap="xs">
          <Title order={5}>Funnel preview</Title>
          <Text size="xs" c="dimmed">
            Of 100 records entering, how many reach each stage at the conversion rates set.
          </Text>
          <FunnelBars stages={preview} />
        </Stack>
      </Grid.Col>
    </Grid>
  );
}

function StageRow({
  stage,
  index,
  earlier,
  roles,
  error,
  onChange,
  onRemove,
}: {
  stage: EditStage;
  index: number;
  earlier: EditStage[];
  roles: { value: string; label: string }[];
  error: string | undefined;
  onChange: (patch: Partial<EditStage>) => void;
  onRemove: (() => void) | undefined;
}) {
  const { attributes, listeners, setNodeRef, transform, transition } = useSortable({ id: stage.key });
  const previous = stage.requirePrevious ?? 'none';
  const previousValue = typeof previous === 'object' ? `stage:${previous.stageId}` : previous;
  return (
    <Card
      ref={setNodeRef}
      withBorder
      padding="xs"
      style={{ transform: CSS.Transform.toString(transform), transition }}
      data-testid="stage-row"
    >
      <Group align="start" gap="xs" wrap="nowrap">
        <ActionIcon
          variant="subtle"
          aria-label={`Reorder stage ${stage.name || index + 1}`}
          {...attributes}
          {...listeners}
          style={{ cursor: 'grab' }}
          mt={24}
        >
          ⠿
        </ActionIcon>
        <Stack gap={6} style={{ flex: 1 }}>
          <Group grow align="start" gap="xs">
            <TextInput
              label={`Stage ${index + 1}`}
              placeholder="Name"
              value={stage.name}
              onChange={(e) => onChange({ name: e.currentTarget.value })}
              error={error}
            />
            <NumberInput
              label="Conversion rate (%)"
              min={0}
              max={100}
              value={stage.conversionRate ?? ''}
              onChange={(value) => onChange({ conversionRate: value === '' ? null : Number(value) })}
            />
            <NumberInput
              label="Value"
              value={stage.value ?? ''}
              onChange={(value) => onChange({ value: value === '' ? null : Number(value) })}
            />
          </Group>
          <TextInput
            placeholder="Description"
            aria-label="Description"
            value={stage.description ?? ''}
            onChange={(e) => onChange({ description: e.currentTarget.value })}
          />
          <Group grow align="end" gap="xs">
            <Select
              label="Requires first"
              value={previousValue}
              onChange={(value) =>
                onChange({
                  requirePrevious: value?.startsWith('stage:')
                    ? { stageId: value.slice(6) }
                    : ((value ?? 'none') as 'none' | 'all'),
                })
              }
              data={[
                { value: 'none', label: 'Nothing' },
                { value: 'all', label: 'Every earlier stage' },
                ...earlier.map((other, i) => ({
                  value: `stage:${other.id}`,
                  label: `“${other.name || `Stage ${i + 1}`}”`,
                })),
              ]}
            />
            <MultiSelect
              label="Roles allowed"
              placeholder={(stage.roles ?? []).length === 0 ? 'Everyone' : undefined}
              data={roles}
              value={stage.roles ?? []}
              onChange={(value) => onChange({ roles: value })}
            />
            <Checkbox
              label="Comment required"
              checked={stage.requireComment ?? false}
              onChange={(e) => onChange({ requireComment: e.currentTarget.checked })}
              mb={8}
            />
          </Group>
        </Stack>
        {onRemove && (
          <ActionIcon
            variant="subtle"
            color="red"
            aria-label={`Remove stage ${stage.name || index + 1}`}
            onClick={onRemove}
            mt={24}
          >
            ✕
          </ActionIcon>
        )}
      </Group>
    </Card>
  );
}
