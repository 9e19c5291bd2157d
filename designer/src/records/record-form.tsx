/** Create or edit a record, drawn from the module's default form layout; API errors show on their field. */
import { Alert, Button, Group, Loader, ScrollArea, Stack, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ApiError, api } from '../api.ts';
import { done, fieldErrors, type ModuleDef, type RecordRow } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { FieldInput } from './field-input.tsx';
import { type Layout, LayoutView } from './layout-view.tsx';

export function RecordForm({ module, id }: { module: ModuleDef; id?: string }) {
  const [layout, setLayout] = useState<Layout | null>(null);
  const [values, setValues] = useState<Record<string, unknown> | null>(id ? null : {});
  const [original, setOriginal] = useState<Record<string, unknown>>({});
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    api<Layout>('GET', `/modules/${module.name}/layouts/default?kind=form`).then(setLayout, (e: Error) =>
      setProblem(e.message),
    );
    if (id)
      api<RecordRow>('GET', `/records/${module.name}/${id}`).then(
        (record) => {
          setValues(record);
          setOriginal(record);
        },
        (e: Error) => setProblem(e.message),
      );
    else
      setValues(
        Object.fromEntries(
          module.fields
            .filter((f) => f.defaultValue !== null && !f.readOnly)
            .map((f) => [f.name, f.defaultValue]),
        ),
      );
  }, [module, id]);

  const save = async () => {
    if (!values) return;
    setSaving(true);
    setErrors({});
    setProblem(null);
    const writable = new Set(module.fields.filter((f) => !f.readOnly).map((f) => f.name));
    const body = Object.fromEntries(
      Object.entries(values).filter(
        ([name, value]) =>
          writable.has(name) && (!id || JSON.stringify(value) !== JSON.stringify(original[name])),
      ),
    );
    try {
      const saved = id
        ? await api<RecordRow>('PATCH', `/records/${module.name}/${id}`, body)
        : await api<RecordRow>('POST', `/records/${module.name}`, body);
      done(`${module.itemName} saved`);
      navigate(`/records/${module.name}/${saved.id}`);
    } catch (error) {
      const byField = fieldErrors(error);
      setErrors(byField);
      setProblem(
        Object.keys(byField).length
          ? 'Some fields need attention: see the messages under them.'
          : error instanceof ApiError
            ? error.message
            : String(error),
      );
    } finally {
      setSaving(false);
    }
  };

  if (!layout || !values) return problem ? <Alert color="red">{problem}</Alert> : <Loader m="md" />;
  const placed = new Set(
    layout.sections.flatMap((s) => s.rows.flatMap((r) => r.columns.flatMap((c) => c.fields))),
  );
  const unplacedErrors = Object.entries(errors).filter(([field]) => !placed.has(field));

  return (
    <Stack p="md" gap="md" style={{ flex: 1, minHeight: 0 }}>
      <Group justify="space-between">
        <Title order={3}>
          {id ? 'Edit' : 'New'} {module.itemName}
        </Title>
        <Group>
          <Button variant="default" onClick={() => history.back()}>
            Cancel
          </Button>
          <Button onClick={save} loading={saving}>
            Save
          </Button>
        </Group>
      </Group>
      {problem && (
        <Alert color="red" data-testid="form-problem">
          {problem}
          {unplacedErrors.map(([field, reason]) => (
            <div key={field}>
              {field}: {reason}
            </div>
          ))}
        </Alert>
      )}
      <ScrollArea style={{ flex: 1 }}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <LayoutView
            layout={layout}
            cell={(name) => {
              const field = module.fields.find((f) => f.name === name);
              if (!field || (field.readOnly && !id)) return null;
              return (
                <FieldInput
                  key={name}
                  field={field}
                  value={values[name]}
                  error={errors[name]}
                  onChange={(value) => setValues((current) => ({ ...current, [name]: value }))}
                />
              );
            }}
          />
          <button type="submit" hidden />
        </form>
      </ScrollArea>
    </Stack>
  );
}
