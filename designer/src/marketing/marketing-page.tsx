/**
 * Marketing (`/marketing`): campaigns, templates and newsletters. `/marketing/campaigns/<id>`
 * is one campaign, `/marketing/templates/<id|new>` the template editor.
 */
import '@mantine/charts/styles.css';
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api, type Page } from '../api.ts';
import { AppLink } from '../app/app-link.tsx';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { CampaignView } from './campaign-view.tsx';
import { type Campaign, type Newsletter, statusColor, type Template, useLoad } from './marketing-api.ts';
import { TemplateEditor } from './template-editor.tsx';

export function MarketingPage({ rest }: { rest: string[] }) {
  const [section = 'campaigns', id] = rest;
  if (section === 'campaigns' && id) return <CampaignView key={id} id={id} />;
  if (section === 'templates' && id) return <TemplateEditor key={id} id={id === 'new' ? null : id} />;
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Title order={3}>Marketing</Title>
      <Tabs value={section} onChange={(tab) => navigate(`/marketing/${tab ?? 'campaigns'}`)}>
        <Tabs.List>
          <Tabs.Tab value="campaigns">Campaigns</Tabs.Tab>
          <Tabs.Tab value="templates">Templates</Tabs.Tab>
          <Tabs.Tab value="newsletters">Newsletters</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="campaigns" pt="sm">
          {section === 'campaigns' && <Campaigns />}
        </Tabs.Panel>
        <Tabs.Panel value="templates" pt="sm">
          {section === 'templates' && <Templates />}
        </Tabs.Panel>
        <Tabs.Panel value="newsletters" pt="sm">
          {section === 'newsletters' && <Newsletters />}
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}

const when = (value: string | null) => (value ? formatDateTime(value) : '—');

function Campaigns() {
  const { data, error, reload } = useLoad<{ items: Campaign[] }>('/marketing/campaigns');
  const [creating, setCreating] = useState(false);
  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <Button onClick={() => setCreating(true)}>New campaign</Button>
      </Group>
      {error && (
        <Alert color="red" title="The campaigns could not be loaded">
          {error}
        </Alert>
      )}
      {!data && !error ? (
        <Loader />
      ) : data?.items.length === 0 ? (
        <Alert color="gray" title="No campaigns yet">
          A campaign sends a template to a list or a newsletter. Make a template first, then “New campaign”.
        </Alert>
      ) : (
        <Table striped data-testid="campaigns-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Status</Table.Th>
              <Table.Th>Recipients</Table.Th>
              <Table.Th>Launched</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data?.items.map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>
                  <AppLink to={`/marketing/campaigns/${c.id}`}>{c.name}</AppLink>
                </Table.Td>
                <Table.Td>
                  <Badge color={statusColor[c.status]}>{c.status}</Badge>
                </Table.Td>
                <Table.Td>{c.summary?.queued ?? '—'}</Table.Td>
                <Table.Td>{when(c.launchedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewCampaign
        opened={creating}
        onClose={() => setCreating(false)}
        onCreated={(id) => {
          reload();
          navigate(`/marketing/campaigns/${id}`);
        }}
      />
    </Stack>
  );
}

function NewCampaign({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const lists = useLoad<Page<{ id: string; name: string; kind: string }>>(
    opened ? '/lists?module=contacts&limit=200' : null,
  );
  const newsletters = useLoad<{ items: Newsletter[] }>(opened ? '/marketing/newsletters' : null);
  const templates = useLoad<{ items: Template[] }>(opened ? '/marketing/templates' : null);
  const [name, setName] = useState('');
  const [audience, setAudience] = useState<string | null>(null);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [scheduledAt, setScheduledAt] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const audiences = [
    {
      group: 'Lists of contacts',
      items: (lists.data?.items ?? []).map((l) => ({
        value: `list:${l.id}`,
        label: `${l.name} (${l.kind})`,
      })),
    },
    {
      group: 'Newsletters',
      items: (newsletters.data?.items ?? []).map((n) => ({ value: `newsletter:${n.id}`, label: n.name })),
    },
  ];

  async function create() {
    setErrors({});
    const [kind, id] = (audience ?? ':').split(':');
    try {
      const created = await api<Campaign>('POST', '/marketing/campaigns', {
        name,
        templateId: templateId ?? '',
        ...(kind === 'list' ? { listId: id } : { newsletterId: id }),
        scheduledAt: scheduledAt ? new Date(scheduledAt).toISOString() : null,
      });
      done(`Campaign “${created.name}” created: launch it when ready`);
      onClose();
      onCreated(created.id);
    } catch (error) {
      setErrors(fieldErrors(error));
      fail(error);
    }
  }

  return (
    <Modal opened={opened} onClose={onClose} title="New campaign">
      <Stack gap="sm">
        <TextInput
          label="Name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={errors.name}
        />
        <Select
          label="Send to"
          required
          placeholder="A list or a newsletter"
          data={audiences}
          value={audience}
          onChange={setAudience}
          error={errors.listId ?? errors.newsletterId}
        />
        <Select
          label="Template"
          required
          data={(templates.data?.items ?? []).map((t) => ({ value: t.id, label: t.name }))}
          value={templateId}
          onChange={setTemplateId}
          error={errors.templateId}
        />
        <TextInput
          type="datetime-local"
          label="Send at"
          description="Leave empty to send as soon as it is launched"
          value={scheduledAt}
          onChange={(e) => setScheduledAt(e.currentTarget.value)}
          error={errors.scheduledAt}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={create} disabled={!name || !audience || !templateId}>
            Create
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Templates() {
  const { data, error } = useLoad<{ items: Template[] }>('/marketing/templates');
  return (
    <Stack gap="sm">
      <Group justify="flex-end">
        <Button onClick={() => navigate('/marketing/templates/new')}>New template</Button>
      </Group>
      {error && (
        <Alert color="red" title="The templates could not be loaded">
          {error}
        </Alert>
      )}
      {!data && !error ? (
        <Loader />
      ) : data?.items.length === 0 ? (
        <Alert color="gray" title="No templates yet">
          A template is the subject and body of a mail, with the contact's fields filled in.
        </Alert>
      ) : (
        <Table striped data-testid="templates-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Category</Table.Th>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Changed</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data?.items.map((t) => (
              <Table.Tr key={t.id}>
                <Table.Td>
                  <AppLink to={`/marketing/templates/${t.id}`}>{t.name}</AppLink>
                </Table.Td>
                <Table.Td>{t.category ?? '—'}</Table.Td>
                <Table.Td>{t.subject}</Table.Td>
                <Table.Td>{when(t.updatedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}

function Newsletters() {
  const { data, error, reload } = useLoad<{ items: Newsletter[] }>('/marketing/newsletters');
  const [name, setName] = useState('');
  const [category, setCategory] = useState('');
  async function create() {
    try {
      await api('POST', '/marketing/newsletters', { name, category: category || null });
      setName('');
      setCategory('');
      reload();
    } catch (error) {
      fail(error);
    }
  }
  return (
    <Stack gap="sm">
      {error && (
        <Alert color="red" title="The newsletters could not be loaded">
          {error}
        </Alert>
      )}
      <Group align="flex-end">
        <TextInput
          label="New newsletter"
          placeholder="Name"
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
        />
        <TextInput
          label="Category"
          placeholder="e.g. Newsletters"
          value={category}
          onChange={(e) => setCategory(e.currentTarget.value)}
        />
        <Button onClick={create} disabled={!name}>
          Add
        </Button>
      </Group>
      {data && data.items.length > 0 && (
        <Table striped data-testid="newsletters-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Category</Table.Th>
              <Table.Th>Subscribers</Table.Th>
              <Table.Th>Web form address</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.items.map((n) => (
              <Table.Tr key={n.id}>
                <Table.Td>{n.name}</Table.Td>
                <Table.Td>{n.category ?? '—'}</Table.Td>
                <Table.Td>{n.subscribers}</Table.Td>
                <Table.Td>
                  <Text size="xs" ff="monospace">
                    POST /api/t/subscribe/{n.id}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
