/**
 * Web forms (X2CRM's web-lead and service-case forms): the list, the builder (fields, labels,
 * required, order, hidden fixed values, tags, lead source, thank-you or redirect, matching,
 * routing, auto-response, allowed sites and limits), the embed snippets, and the submissions.
 */
import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  CopyButton,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { FormBody, FormField, FormSettings } from '../../../schemas/forms.ts';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';

interface WebForm {
  id: string;
  name: string;
  kind: 'lead' | 'case';
  active: boolean;
  settings: FormSettings;
  embed?: { hostedUrl: string; html: string; script: string };
}
interface FieldChoice {
  name: string;
  label: string;
  type: string;
  required: boolean;
}

const kinds = [
  { value: 'lead', label: 'Web lead (creates contacts)' },
  { value: 'case', label: 'Service case (creates cases)' },
];

export function FormsAdmin() {
  const [forms, setForms] = useState<WebForm[] | null>(null);
  const [editing, setEditing] = useState<WebForm | 'new' | null>(null);
  const load = useCallback(
    () => api<{ items: WebForm[] }>('GET', '/forms').then((page) => setForms(page.items), fail),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  if (editing)
    return (
      <FormBuilder
        key={editing === 'new' ? 'new' : editing.id}
        initial={editing === 'new' ? null : editing}
        onClose={() => {
          setEditing(null);
          void load();
        }}
      />
    );
  return (
    <Stack gap="sm" maw={900} data-testid="forms-admin">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Forms that visitors fill in on your website: each submission becomes a contact (web lead) or a case.
        </Text>
        <Button onClick={() => setEditing('new')}>New form</Button>
      </Group>
      {forms === null ? (
        <Loader size="sm" />
      ) : forms.length === 0 ? (
        <Alert>No web forms yet.</Alert>
      ) : (
        <Table striped highlightOnHover>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Creates</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {forms.map((form) => (
              <Table.Tr key={form.id}>
                <Table.Td>{form.name}</Table.Td>
                <Table.Td>{form.kind === 'lead' ? 'Contacts' : 'Service cases'}</Table.Td>
                <Table.Td>
                  <Badge color={form.active ? 'green' : 'gray'} variant="light">
                    {form.active ? 'Active' : 'Off'}
                  </Badge>
                </Table.Td>
                <Table.Td>
                  <Button
                    size="compact-sm"
                    variant="light"
                    onClick={() => api<WebForm>('GET', `/forms/${form.id}`).then(setEditing, fail)}
                  >
                    Edit
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

const blankSettings = (kind: 'lead' | 'case'): FormSettings => ({
  fields:
    kind === 'lead'
      ? [
          { name: 'firstName', required: true },
          { name: 'lastName', required: true },
          { name: 'email', required: true },
        ]
      : [
          { name: 'contact.firstName', required: true },
          { name: 'contact.lastName', required: true },
          { name: 'contact.email', required: true },
          { name: 'description', required: true },
        ],
  tags: [],
  thankYou: 'Thank you: we received your message.',
  matching: 'update',
  routing: true,
  allowedOrigins: [],
  minFillSeconds: 3,
  perIpPerMinute: 10,
  perFormPerMinute: 1000,
});

function FormBuilder({ initial, onClose }: { initial: WebForm | null; onClose: () => void }) {
  const [name, setName] = useState(initial?.name ?? '');
  const [kind, setKind] = useState<'lead' | 'case'>(initial?.kind ?? 'lead');
  const [active, setActive] = useState(initial?.active ?? true);
  const [settings, setSettings] = useState<FormSettings>(initial?.settings ?? blankSettings('lead'));
  const [choices, setChoices] = useState<FieldChoice[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState<WebForm | null>(initial);
  useEffect(() => {
    api<{ items: FieldChoice[] }>('GET', `/forms/fields?kind=${kind}`).then(
      (page) => setChoices(page.items),
      fail,
    );
  }, [kind]);
  const set = <K extends keyof FormSettings>(key: K, value: FormSettings[K]) =>
    setSettings((current) => ({ ...current, [key]: value }));
  const setField = (index: number, patch: Partial<FormField>) =>
    set(
      'fields',
      settings.fields.map((field, at) => (at === index ? { ...field, ...patch } : field)),
    );
  const move = (index: number, by: number) => {
    const fields = [...settings.fields];
    const [field] = fields.splice(index, 1);
    if (field) fields.splice(index + by, 0, field);
    set('fields', fields);
  };
  const save = () => {
    const clean: FormSettings = {
      ...settings,
      ...(settings.redirectUrl ? {} : { redirectUrl: undefined }),
      ...(settings.leadSource ? {} : { leadSource: undefined }),
    };
    const body: FormBody = { name, kind, active, settings: JSON.parse(JSON.stringify(clean)) };
    const request = saved
      ? api<WebForm>('PATCH', `/forms/${saved.id}`, { name, active, settings: body.settings })
      : api<WebForm>('POST', '/forms', body);
    request.then(
      (form) => {
        setErrors({});
        setSaved(form);
        done('Form saved');
      },
      (error) => {
        setErrors(fieldErrors(error));
        fail(error);
      },
    );
  };
  const labelOf = (field: string) => choices.find((choice) => choice.name === field)?.label ?? field;
  const problemsOfFields = Object.entries(errors)
    .filter(([field]) => field === 'settings.fields')
    .map(([, reason]) => reason);
  return (
    <Stack gap="sm" maw={980} data-testid="form-builder">
      <Group justify="space-between">
        <Title order={4}>{saved ? `Web form: ${saved.name}` : 'New web form'}</Title>
        <Button variant="default" onClick={onClose}>
          Back to forms
        </Button>
      </Group>
      <Group align="flex-start" grow>
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
        />
        <Select
          label="Creates"
          data={kinds}
          value={kind}
          disabled={saved !== null}
          onChange={(value) => {
            if (!value) return;
            setKind(value as 'lead' | 'case');
            setSettings(blankSettings(value as 'lead' | 'case'));
          }}
        />
        <Switch
          mt={30}
          label="Active"
          checked={active}
          onChange={(e) => setActive(e.currentTarget.checked)}
        />
      </Group>
      <Paper withBorder p="sm">
        <Stack gap={6}>
          <Text fw={600}>Fields</Text>
          {problemsOfFields.map((problem) => (
            <Alert key={problem} color="red" p="xs">
              {problem}
            </Alert>
          ))}
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Field</Table.Th>
                <Table.Th>Label shown</Table.Th>
                <Table.Th>Required</Table.Th>
                <Table.Th>Hidden, with value</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {settings.fields.map((field, index) => (
                <Table.Tr key={field.name}>
                  <Table.Td>
                    <Select
                      aria-label={`Field ${index + 1}`}
                      searchable
                      data={choices.map((choice) => ({ value: choice.name, label: choice.label }))}
                      value={field.name}
                      onChange={(value) => value && setField(index, { name: value })}
                      error={errors[`settings.fields.${index}.name`]}
                    />
                  </Table.Td>
                  <Table.Td>
                    <TextInput
                      aria-label={`Label of ${labelOf(field.name)}`}
                      placeholder={labelOf(field.name)}
                      value={field.label ?? ''}
                      onChange={(e) => setField(index, { label: e.currentTarget.value })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Checkbox
                      aria-label={`${labelOf(field.name)} is required`}
                      checked={field.required ?? false}
                      onChange={(e) => setField(index, { required: e.currentTarget.checked })}
                    />
                  </Table.Td>
                  <Table.Td>
                    <Group gap={4} wrap="nowrap">
                      <Checkbox
                        aria-label={`${labelOf(field.name)} is hidden`}
                        checked={field.hidden ?? false}
                        onChange={(e) => setField(index, { hidden: e.currentTarget.checked })}
                      />
                      {field.hidden && (
                        <TextInput
                          aria-label={`Fixed value of ${labelOf(field.name)}`}
                          placeholder="Fixed value"
                          value={field.value ?? ''}
                          onChange={(e) => setField(index, { value: e.currentTarget.value })}
                          error={errors[`settings.fields.${index}.value`]}
                        />
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={2} wrap="nowrap">
                      <ActionIcon
                        variant="subtle"
                        aria-label="Move up"
                        disabled={index === 0}
                        onClick={() => move(index, -1)}
                      >
                        ↑
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        aria-label="Move down"
                        disabled={index === settings.fields.length - 1}
                        onClick={() => move(index, 1)}
                      >
                        ↓
                      </ActionIcon>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label="Remove field"
                        onClick={() =>
                          set(
                            'fields',
                            settings.fields.filter((_, at) => at !== index),
                          )
                        }
                      >
                        ×
                      </ActionIcon>
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Group>
            <Select
              placeholder="Add a field…"
              aria-label="Add a field"
              searchable
              data={choices
                .filter((choice) => !settings.fields.some((field) => field.name === choice.name))
                .map((choice) => ({ value: choice.name, label: choice.label }))}
              value={null}
              onChange={(value) => value && set('fields', [...settings.fields, { name: value }])}
            />
          </Group>
        </Stack>
      </Paper>
      <Group grow align="flex-start">
        <TagsInput label="Tags to add" value={settings.tags ?? []} onChange={(tags) => set('tags', tags)} />
        {kind === 'lead' && (
          <TextInput
            label="Lead source"
            placeholder="Web"
            value={settings.leadSource ?? ''}
            onChange={(e) => set('leadSource', e.currentTarget.value)}
            error={errors['settings.leadSource']}
          />
        )}
        {kind === 'lead' && (
          <Select
            label="When the email matches a contact"
            data={[
              { value: 'update', label: 'Update that contact' },
              { value: 'duplicate', label: 'Create a duplicate' },
              { value: 'skip', label: 'Leave it as it is' },
            ]}
            value={settings.matching ?? 'update'}
            onChange={(value) => value && set('matching', value as 'update')}
          />
        )}
      </Group>
      <Switch
        label="Assign new records by lead routing / case distribution"
        checked={settings.routing ?? true}
        onChange={(e) => set('routing', e.currentTarget.checked)}
      />
      <Group grow align="flex-start">
        <Textarea
          label="Thank-you message"
          autosize
          minRows={2}
          value={settings.thankYou ?? ''}
          onChange={(e) => set('thankYou', e.currentTarget.value)}
        />
        <TextInput
          label="Or redirect to"
          placeholder="https://www.example.com/thanks"
          value={settings.redirectUrl ?? ''}
          onChange={(e) => set('redirectUrl', e.currentTarget.value)}
          error={errors['settings.redirectUrl']}
        />
      </Group>
      <Paper withBorder p="sm">
        <Stack gap={6}>
          <Switch
            label="Send an auto-response"
            checked={settings.autoResponse !== undefined}
            onChange={(e) =>
              set(
                'autoResponse',
                e.currentTarget.checked
                  ? {
                      subject: 'Thank you, {{record.firstName}}',
                      body: 'Hello {{record.firstName}},\n\nWe received your message.',
                    }
                  : undefined,
              )
            }
          />
          {settings.autoResponse && (
            <>
              <TextInput
                label="Subject"
                value={settings.autoResponse.subject}
                onChange={(e) =>
                  set('autoResponse', {
                    ...(settings.autoResponse as { subject: string; body: string }),
                    subject: e.currentTarget.value,
                  })
                }
              />
              <Textarea
                label="Message"
                description={`Use {{record.<field>}} for the submitted values${kind === 'case' ? ' and {{record.caseNumber}} for the case number' : ''}. Not sent to contacts marked “Do not email”.`}
                autosize
                minRows={3}
                value={settings.autoResponse.body}
                onChange={(e) =>
                  set('autoResponse', {
                    ...(settings.autoResponse as { subject: string; body: string }),
                    body: e.currentTarget.value,
                  })
                }
              />
            </>
          )}
        </Stack>
      </Paper>
      <Group grow align="flex-start">
        <TagsInput
          label="Sites allowed to post it"
          description="scheme://host, e.g. https://www.example.com; none: any site"
          value={settings.allowedOrigins ?? []}
          onChange={(origins) => set('allowedOrigins', origins)}
          error={Object.entries(errors).find(([field]) => field.startsWith('settings.allowedOrigins'))?.[1]}
        />
        <NumberInput
          label="Minimum seconds to fill in"
          min={0}
          max={600}
          value={settings.minFillSeconds ?? 3}
          onChange={(value) => set('minFillSeconds', Number(value) || 0)}
        />
        <NumberInput
          label="Submissions per visitor per minute"
          min={1}
          value={settings.perIpPerMinute ?? 10}
          onChange={(value) => set('perIpPerMinute', Number(value) || 1)}
        />
      </Group>
      <Group>
        <Button onClick={save}>Save form</Button>
      </Group>
      {saved?.embed && <Embed embed={saved.embed} />}
      {saved && <Submissions formId={saved.id} />}
    </Stack>
  );
}

function Snippet({ label, value }: { label: string; value: string }) {
  return (
    <Stack gap={2}>
      <Group justify="space-between">
        <Text size="sm" fw={600}>
          {label}
        </Text>
        <CopyButton value={value}>
          {({ copied, copy }) => (
            <Button size="compact-xs" variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Code block mah={140} style={{ overflow: 'auto', whiteSpace: 'pre-wrap' }}>
        {value}
      </Code>
    </Stack>
  );
}

function Embed({ embed }: { embed: NonNullable<WebForm['embed']> }) {
  return (
    <Paper withBorder p="sm" data-testid="form-embed">
      <Stack gap="xs">
        <Text fw={600}>Put it on your website</Text>
        <Snippet label="Hosted page (a link to share)" value={embed.hostedUrl} />
        <Snippet label="Script snippet (draws the form in your page)" value={embed.script} />
        <Snippet label="Plain HTML form (works without JavaScript)" value={embed.html} />
      </Stack>
    </Paper>
  );
}

interface Submission {
  id: string;
  values: Record<string, unknown>;
  status: string;
  outcome: string | null;
  error: string | null;
  receivedAt: string;
}

function Submissions({ formId }: { formId: string }) {
  const [items, setItems] = useState<Submission[] | null>(null);
  useEffect(() => {
    api<{ items: Submission[] }>('GET', `/forms/${formId}/submissions?limit=50`).then(
      (page) => setItems(page.items),
      fail,
    );
  }, [formId]);
  if (!items) return <Loader size="sm" />;
  return (
    <Paper withBorder p="sm">
      <Text fw={600} mb={4}>
        Latest submissions
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None yet.
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Received</Table.Th>
              <Table.Th>Values</Table.Th>
              <Table.Th>Result</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((item) => (
              <Table.Tr key={item.id}>
                <Table.Td>{formatDateTime(item.receivedAt)}</Table.Td>
                <Table.Td>
                  {Object.entries(item.values)
                    .map(([key, value]) => `${key}: ${String(value)}`)
                    .join(', ')}
                </Table.Td>
                <Table.Td>
                  {item.status === 'failed'
                    ? `Failed: ${item.error}`
                    : item.status === 'processed'
                      ? (item.outcome ?? 'done')
                      : 'Waiting'}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
