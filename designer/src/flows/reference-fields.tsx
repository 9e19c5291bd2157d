/**
 * The params form's pickers, for params the node types mark with `x-weft-ref`: a user, group,
 * list, record or field is chosen by name from a searchable list (the id is what is stored),
 * or a variable that holds one; "Fields to set" picks each field by its label. Text params
 * get the `{{` completion. What the form needs from the designer comes in `formContext`.
 */
import {
  Button,
  CloseButton,
  type ComboboxData,
  type ComboboxItem,
  type ComboboxItemGroup,
  Group,
  Select,
  Stack,
  Text,
} from '@mantine/core';
import type { FieldProps, WidgetProps } from '@rjsf/utils';
import { useEffect, useMemo, useState } from 'react';
import { withArticle } from '../../../schemas/references.ts';
import { type FieldDef, type ModuleDef, useModules } from '../console/console-api.ts';
import type { Variable } from '../model/variables.ts';
import {
  campaignOptions,
  emailAccountOptions,
  emailTemplateOptions,
  fieldOptions,
  formOptions,
  listOptions,
  peopleOptions,
  type RefKind,
  type RefOption,
  recordOption,
  refNoun,
  searchRecords,
} from './reference-options.ts';
import { TemplateInput, variableLabel } from './template-input.tsx';

export interface ParamsFormContext {
  variables: readonly Variable[];
  /** The trigger's module: the current record's. */
  triggerModule: string | undefined;
  /** The node's params, for a sibling `module` param that a record or field reference is about. */
  params: Record<string, unknown>;
}

const templated = (value: unknown) => typeof value === 'string' && value.includes('{{');

function useModuleFor(context: ParamsFormContext): ModuleDef | undefined {
  const modules = useModules();
  const own = context.params.module;
  const name = typeof own === 'string' && own !== '' ? own : context.triggerModule;
  return modules?.find((module) => module.name === name);
}

/** Variables that may hold what the picker wants: ids of users, groups or records. */
function variableOptions(kind: RefKind, variables: readonly Variable[]): RefOption[] {
  const fits =
    kind === 'user' || kind === 'assignee' || kind === 'group'
      ? /(assignedTo|createdBy|updatedBy|userId|ownerId|user\.id)$/
      : /(\.id|Id)$/;
  return variables
    .filter((variable) => fits.test(variable.path))
    .map((variable) => ({
      value: `{{${variable.path}}}`,
      label: variableLabel(variable),
      group: 'Variables',
    }));
}

function grouped(options: readonly RefOption[]): ComboboxData {
  const groups = new Map<string, ComboboxItem[]>();
  for (const option of options) {
    const name = option.group ?? '';
    groups.set(name, [...(groups.get(name) ?? []), { value: option.value, label: option.label }]);
  }
  const out: (ComboboxItem | ComboboxItemGroup)[] = [];
  for (const [group, items] of groups) {
    if (group) out.push({ group, items });
    else out.push(...items);
  }
  return out;
}

/** A user, group, list or record by name; the id (or a variable) is stored. */
export function ReferenceWidget(props: WidgetProps) {
  const { id, value, onChange, schema, label, required, rawErrors, registry } = props;
  const kind = (schema as { 'x-weft-ref'?: RefKind })['x-weft-ref'] ?? 'user';
  const context = registry.formContext as ParamsFormContext;
  const module = useModuleFor(context);
  const [options, setOptions] = useState<RefOption[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<RefOption | null>(null);
  const current = typeof value === 'string' && value !== '' ? value : null;

  useEffect(() => {
    let live = true;
    const done = (found: RefOption[]) => live && setOptions(found);
    const failed = (error: Error) => live && setLoadError(error.message);
    if (kind === 'user' || kind === 'group' || kind === 'assignee')
      peopleOptions().then(
        ({ users, groups }) =>
          done(kind === 'user' ? users : kind === 'group' ? groups : [...users, ...groups]),
        failed,
      );
    else if (kind === 'list')
      listOptions().then(
        (lists) =>
          done(
            lists
              .filter((list) => !module || list.module === module.name)
              .map((list) => ({ value: list.id, label: list.name, group: `${list.kind} lists` })),
          ),
        failed,
      );
    else if (kind === 'record' && module) {
      // Records are searched on the server as the user types.
      const timer = setTimeout(() => searchRecords(module, search).then(done, failed), 200);
      return () => {
        live = false;
        clearTimeout(timer);
      };
    } else if (kind === 'field') done(fieldOptions(module));
    else if (kind === 'form') formOptions().then(done, failed);
    else if (kind === 'emailTemplate') emailTemplateOptions().then(done, failed);
    else if (kind === 'emailAccount') emailAccountOptions().then(done, failed);
    else if (kind === 'campaign') campaignOptions().then(done, failed);
    return () => {
      live = false;
    };
  }, [kind, module, search]);

  // A record picked earlier is named by fetching it, since a search may not return it.
  useEffect(() => {
    if (kind !== 'record' || !module || !current || templated(current)) return setSelected(null);
    let live = true;
    recordOption(module, current).then((found) => live && setSelected(found));
    return () => {
      live = false;
    };
  }, [kind, module, current]);

  const data = useMemo(() => {
    const all = [...(options ?? []), ...variableOptions(kind, context.variables)];
    if (selected && !all.some((o) => o.value === selected.value)) all.unshift(selected);
    if (current && !all.some((o) => o.value === current)) {
      const waiting = options === null || (kind === 'record' && selected === null && !loadError);
      all.unshift({
        value: current,
        label: templated(current)
          ? `Variable ${current}`
          : waiting
            ? 'Loading…'
            : `Missing ${refNoun[kind]} (no longer exists)`,
      });
    }
    return grouped(all);
  }, [options, selected, current, kind, context.variables, loadError]);

  const missing =
    current !== null && !templated(current) && options !== null && kind !== 'record'
      ? !options.some((o) => o.value === current)
      : false;
  const error = [...(rawErrors ?? []), ...(loadError ? [loadError] : [])];
  return (
    <Select
      id={id}
      label={label}
      description={schema.description}
      required={required}
      placeholder={`Choose ${withArticle(refNoun[kind])}`}
      data={data}
      value={current}
      onChange={(next) => onChange(next ?? undefined)}
      searchable
      clearable
      searchValue={kind === 'record' ? search : undefined}
      onSearchChange={kind === 'record' ? setSearch : undefined}
      nothingFoundMessage={options === null ? 'Loading…' : `No ${refNoun[kind]} matches`}
      error={
        error.length > 0 ? error.join('\n') : missing ? `This ${refNoun[kind]} no longer exists` : undefined
      }
      comboboxProps={{ withinPortal: false }}
      data-ref-kind={kind}
    />
  );
}

/** A text param with `{{` completion and a variables menu. */
export function TemplateWidget(props: WidgetProps) {
  const { id, value, onChange, schema, label, required, rawErrors, registry, options } = props;
  const context = registry.formContext as ParamsFormContext;
  return (
    <TemplateInput
      id={id}
      label={label}
      description={schema.description}
      required={required}
      value={typeof value === 'string' ? value : ''}
      onChange={(next) => onChange(next === '' ? undefined : next)}
      error={rawErrors?.length ? rawErrors.join('\n') : undefined}
      multiline={options.multiline === true}
      variables={context.variables}
    />
  );
}

const numeric = new Set(['number', 'currency', 'percentage', 'rating']);

/** A field's value as stored: numbers and booleans typed as such unless they are templates. */
function typed(field: FieldDef | undefined, text: string): unknown {
  if (!field || templated(text)) return text;
  if (numeric.has(field.type) && text.trim() !== '' && Number.isFinite(Number(text))) return Number(text);
  return text;
}

/** "Fields to set": each row a field picked by its label and its new value (text or a variable). */
export function FieldValuesField(props: FieldProps) {
  const { formData, onChange, schema, name, fieldPathId, rawErrors, errorSchema, registry } = props;
  const context = registry.formContext as ParamsFormContext;
  const module = useModuleFor(context);
  const values = (formData && typeof formData === 'object' ? formData : {}) as Record<string, unknown>;
  const [adding, setAdding] = useState(false);
  const emit = (next: Record<string, unknown>) => onChange(next, fieldPathId.path);
  const fields = module?.fields.filter((field) => !field.readOnly) ?? [];
  const labelOf = (key: string) => fields.find((field) => field.name === key)?.label;
  const free = fieldOptions(module).filter(
    (option) => !(option.value in values) && fields.some((f) => f.name === option.value),
  );
  const rowErrors = errorSchema as Record<string, { __errors?: string[] }> | undefined;
  return (
    <Stack gap={6} data-testid={`field-values-${name}`}>
      <Text size="sm" fw={500}>
        {schema.title ?? name}
      </Text>
      {schema.description && (
        <Text size="xs" c="dimmed">
          {module ? `Fields of ${module.label}; a value may hold variables (type {{)` : schema.description}
        </Text>
      )}
      {Object.entries(values).map(([key, value]) => {
        const field = fields.find((f) => f.name === key);
        const errors = rowErrors?.[key]?.__errors;
        return (
          <Stack key={key} gap={2}>
            <Group gap={4} wrap="nowrap" align="flex-end">
              <div style={{ flex: 1, minWidth: 0 }}>
                {field?.type === 'boolean' ? (
                  <Select
                    size="xs"
                    label={labelOf(key) ?? key}
                    data={[
                      { value: 'true', label: 'Yes' },
                      { value: 'false', label: 'No' },
                    ]}
                    value={value === true ? 'true' : value === false ? 'false' : null}
                    onChange={(next) => emit({ ...values, [key]: next === 'true' })}
                    comboboxProps={{ withinPortal: false }}
                  />
                ) : (
                  <TemplateInput
                    size="xs"
                    label={labelOf(key) ?? `${key} (not a field of ${module?.label ?? 'this module'})`}
                    value={value === null || value === undefined ? '' : String(value)}
                    onChange={(text) => emit({ ...values, [key]: typed(field, text) })}
                    error={errors?.join('\n')}
                    variables={context.variables}
                  />
                )}
              </div>
              <CloseButton
                aria-label={`Remove ${labelOf(key) ?? key}`}
                onClick={() => {
                  const { [key]: _removed, ...rest } = values;
                  emit(rest);
                }}
              />
            </Group>
          </Stack>
        );
      })}
      {adding ? (
        <Select
          size="xs"
          label="Field to set"
          placeholder="Search fields"
          data={grouped(free)}
          searchable
          autoFocus
          defaultDropdownOpened
          comboboxProps={{ withinPortal: false }}
          onChange={(key) => {
            setAdding(false);
            if (key) emit({ ...values, [key]: '' });
          }}
          onBlur={() => setAdding(false)}
        />
      ) : (
        <Button size="xs" variant="light" onClick={() => setAdding(true)} disabled={!module}>
          Add a field
        </Button>
      )}
      {rawErrors?.map((error) => (
        <Text key={error} size="xs" c="red">
          {error}
        </Text>
      ))}
    </Stack>
  );
}
