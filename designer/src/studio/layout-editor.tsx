/**
 * The form layout editor: drag fields (HTML5 drag and drop) from the field list into the
 * columns of rows of sections, or between columns; save; make it the default view or form.
 * Clicking a listed field puts it in the last column, for the keyboard.
 */
import {
  ActionIcon,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { type DragEvent, useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { done, fail, fieldErrors, type ModuleDef } from '../console/console-api.ts';
import { FieldInput } from '../records/field-input.tsx';
import { LayoutView } from '../records/layout-view.tsx';
import {
  addRow,
  addSection,
  moveField,
  placedFields,
  removeField,
  removeRow,
  removeSection,
  type Sections,
  type Slot,
  updateSection,
} from './layout-model.ts';

interface LayoutRow {
  id: string | null;
  name: string;
  sections: Sections;
  defaultView: boolean;
  defaultForm: boolean;
}

const dragType = 'application/x-weft-field';

export function LayoutEditor({ module }: { module: ModuleDef }) {
  const [layouts, setLayouts] = useState<LayoutRow[] | null>(null);
  const [current, setCurrent] = useState<LayoutRow | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [preview, setPreview] = useState(false);

  const load = async (select?: string) => {
    const page = await api<Page<LayoutRow>>('GET', `/modules/${module.name}/layouts?limit=100`);
    setLayouts(page.items);
    const chosen =
      page.items.find((l) => l.id === select) ?? page.items.find((l) => l.defaultForm) ?? page.items[0];
    if (chosen) setCurrent(chosen);
    else {
      const generated = await api<LayoutRow>('GET', `/modules/${module.name}/layouts/default?kind=form`);
      setCurrent({ ...generated, id: null, name: `${module.label} form` });
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload when the module changes
  useEffect(() => {
    load().catch(fail);
  }, [module.name]);

  if (!layouts || !current) return <Loader />;
  const sections = current.sections;
  const setSections = (next: Sections) => setCurrent({ ...current, sections: next });
  const placed = placedFields(sections);
  const unplaced = module.fields.filter((f) => !placed.has(f.name));
  const label = (name: string) => module.fields.find((f) => f.name === name)?.label ?? name;

  const lastSlot = (): Slot | null => {
    for (let s = sections.length - 1; s >= 0; s--) {
      const rows = sections[s]?.rows ?? [];
      const row = rows.length - 1;
      if (row >= 0) return { section: s, row, column: (rows[row]?.columns.length ?? 1) - 1 };
    }
    return null;
  };
  const drop = (to: Slot) => (event: DragEvent) => {
    event.preventDefault();
    const field = event.dataTransfer.getData(dragType);
    if (field) setSections(moveField(sections, field, to));
  };
  const drag = (field: string) => (event: DragEvent) => {
    event.dataTransfer.setData(dragType, field);
    event.dataTransfer.effectAllowed = 'move';
  };

  const save = async () => {
    setProblem(null);
    const body = { name: current.name, sections };
    try {
      const saved = current.id
        ? await api<LayoutRow>('PUT', `/modules/${module.name}/layouts/${current.id}`, body)
        : await api<LayoutRow>('POST', `/modules/${module.name}/layouts`, body);
      done('Layout saved');
      await load(saved.id ?? undefined);
      return saved;
    } catch (error) {
      const errors = Object.entries(fieldErrors(error));
      setProblem(errors.length ? errors.map(([f, r]) => `${f}: ${r}`).join('; ') : (error as Error).message);
      return null;
    }
  };
  const makeDefault = async (kind: 'view' | 'form') => {
    const saved = await save();
    if (!saved?.id) return;
    await api('POST', `/modules/${module.name}/layouts/${saved.id}/default`, { kind }).then(async () => {
      done(`Now the default ${kind} of ${module.label}`);
      await load(saved.id ?? undefined);
    }, fail);
  };

  return (
    <Group align="flex-start" wrap="nowrap" gap="md">
      <Stack w={220} gap={4} data-testid="field-palette">
        <Text fw={600} size="sm">
          Fields not on the layout
        </Text>
        {unplaced.length === 0 && (
          <Text size="xs" c="dimmed">
            Every field is placed.
          </Text>
        )}
        {unplaced.map((field) => (
          <UnstyledButton
            key={field.name}
            draggable
            onDragStart={drag(field.name)}
            data-testid={`palette-field-${field.name}`}
            onClick={() => {
              const slot = lastSlot();
              if (slot) setSections(moveField(sections, field.name, slot));
            }}
          >
            <Paper withBorder px="xs" py={4} style={{ cursor: 'grab' }}>
              <Text size="sm">{field.label}</Text>
            </Paper>
          </UnstyledButton>
        ))}
      </Stack>
      <Stack style={{ flex: 1 }} gap="sm">
        <Group align="flex-end">
          <Select
            label="Layout"
            w={240}
            data={[
              ...layouts.map((l) => ({
                value: l.id ?? '',
                label: `${l.name}${l.defaultForm ? ' (default form)' : ''}${l.defaultView ? ' (default view)' : ''}`,
              })),
              { value: 'new', label: 'New layout…' },
            ]}
            value={current.id ?? 'new'}
            onChange={(id) => {
              const chosen = layouts.find((l) => l.id === id);
              setCurrent(
                chosen ?? { id: null, name: 'New layout', sections, defaultForm: false, defaultView: false },
              );
            }}
          />
          <TextInput
            label="Name"
            value={current.name}
            onChange={(e) => setCurrent({ ...current, name: e.target.value })}
          />
          {current.defaultForm && <Badge>default form</Badge>}
          {current.defaultView && <Badge>default view</Badge>}
        </Group>
        {sections.map((section, s) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: sections are positional
          <Paper key={s} withBorder p="sm">
            <Group justify="space-between" mb="xs">
              <Group>
                <TextInput
                  aria-label="Section title"
                  size="xs"
                  value={section.title ?? ''}
                  onChange={(e) => setSections(updateSection(sections, s, { title: e.target.value }))}
                />
                <Checkbox
                  size="xs"
                  label="Collapsible"
                  checked={section.collapsible ?? false}
                  onChange={(e) =>
                    setSections(updateSection(sections, s, { collapsible: e.currentTarget.checked }))
                  }
                />
              </Group>
              <Group gap={4}>
                {[1, 2, 3].map((n) => (
                  <Button
                    key={n}
                    size="compact-xs"
                    variant="light"
                    onClick={() => setSections(addRow(sections, s, n))}
                  >
                    + row of {n}
                  </Button>
                ))}
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  disabled={sections.length === 1}
                  onClick={() => setSections(removeSection(sections, s))}
                >
                  Remove section
                </Button>
              </Group>
            </Group>
            <Stack gap={6}>
              {section.rows.map((row, r) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
                <Group key={r} wrap="nowrap" align="stretch" gap={6}>
                  <SimpleGrid cols={row.columns.length} style={{ flex: 1 }} spacing={6}>
                    {row.columns.map((column, c) => (
                      <Paper
                        // biome-ignore lint/suspicious/noArrayIndexKey: columns are positional
                        key={c}
                        p={6}
                        bg="gray.0"
                        mih={44}
                        data-testid={`drop-${s}-${r}-${c}`}
                        onDragOver={(event) => event.preventDefault()}
                        onDrop={drop({ section: s, row: r, column: c })}
                      >
                        <Stack gap={4}>
                          {column.fields.map((name) => (
                            <Paper key={name} withBorder px="xs" py={2} draggable onDragStart={drag(name)}>
                              <Group justify="space-between" wrap="nowrap">
                                <Text size="sm">{label(name)}</Text>
                                <ActionIcon
                                  size="xs"
                                  variant="subtle"
                                  color="gray"
                                  aria-label={`Take ${label(name)} off the layout`}
                                  onClick={() => setSections(removeField(sections, name))}
                                >
                                  ×
                                </ActionIcon>
                              </Group>
                            </Paper>
                          ))}
                          {column.fields.length === 0 && (
                            <Text size="xs" c="dimmed">
                              Drop fields here
                            </Text>
                          )}
                        </Stack>
                      </Paper>
                    ))}
                  </SimpleGrid>
                  <ActionIcon
                    variant="subtle"
                    color="gray"
                    aria-label="Remove row"
                    onClick={() => setSections(removeRow(sections, s, r))}
                  >
                    ×
                  </ActionIcon>
                </Group>
              ))}
            </Stack>
          </Paper>
        ))}
        <Group>
          <Button variant="light" onClick={() => setSections(addSection(sections))}>
            Add section
          </Button>
          <Button variant="default" onClick={() => setPreview(!preview)}>
            {preview ? 'Hide preview' : 'Preview'}
          </Button>
          <Button onClick={save}>Save layout</Button>
          <Button variant="default" onClick={() => makeDefault('form')}>
            Save as default form
          </Button>
          <Button variant="default" onClick={() => makeDefault('view')}>
            Save as default view
          </Button>
        </Group>
        {problem && (
          <Text c="red" size="sm">
            {problem}
          </Text>
        )}
        {preview && (
          <Paper withBorder p="md" data-testid="layout-preview">
            <LayoutView
              layout={{ id: current.id, name: current.name, sections }}
              cell={(name) => {
                const field = module.fields.find((f) => f.name === name);
                return field ? (
                  <FieldInput
                    key={name}
                    field={{ ...field, readOnly: true }}
                    value={null}
                    onChange={() => {}}
                  />
                ) : null;
              }}
            />
          </Paper>
        )}
      </Stack>
    </Group>
  );
}
