/**
 * Email capture: the dropbox settings (capture and support addresses, create contacts, zap
 * line breaks), the IMAP mailboxes Weft polls (passwords are write-only), and the latest
 * captured messages with what happened to each (a malformed one shows its parse error).
 */
import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Modal,
  NumberInput,
  Paper,
  PasswordInput,
  Select,
  Stack,
  Switch,
  Table,
  TagsInput,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';

interface CaptureSettings {
  captureAddresses?: string[];
  supportAddresses?: string[];
  createContacts?: boolean;
  createContactsWithoutNames?: boolean;
  zapLineBreaks?: boolean;
}
interface Mailbox {
  id: string;
  name: string;
  host: string;
  port: number;
  username: string;
  folder: string;
  purpose: string;
  pollSeconds: number;
  active: boolean;
  lastPolledAt: string | null;
  lastError: string | null;
}
interface Captured {
  id: string;
  source: string;
  fromAddress: string | null;
  subject: string | null;
  status: 'captured' | 'ignored' | 'malformed';
  parseError: string | null;
  outcome: { kind?: string; records?: unknown[]; reason?: string; error?: string } | null;
  receivedAt: string;
}

const statusColor = { captured: 'green', ignored: 'gray', malformed: 'red' } as const;

export function EmailCaptureAdmin() {
  const [settings, setSettings] = useState<CaptureSettings | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  useEffect(() => {
    api<CaptureSettings>('GET', '/inbound-mail/settings').then(setSettings, fail);
  }, []);
  const save = () =>
    api('PUT', '/inbound-mail/settings', settings).then(
      () => {
        setErrors({});
        done('Email capture settings saved');
      },
      (error) => {
        setErrors(fieldErrors(error));
        fail(error);
      },
    );
  if (!settings) return <Loader size="sm" />;
  const set = (patch: CaptureSettings) => setSettings({ ...settings, ...patch });
  const errorOf = (prefix: string) => Object.entries(errors).find(([field]) => field.startsWith(prefix))?.[1];
  return (
    <Stack gap="sm" maw={1000} data-testid="email-capture">
      <Text size="sm" c="dimmed">
        Mail reaches Weft through its SMTP listener (set WEFT_SMTP_PORT) or the IMAP mailboxes below. Mail to
        or cc a dropbox address is logged on the contacts it was with; mail to a support address opens a
        service case.
      </Text>
      <Paper withBorder p="sm">
        <Stack gap="xs">
          <Group grow align="flex-start">
            <TagsInput
              label="Dropbox addresses"
              placeholder="dropbox@crm.example.com"
              value={settings.captureAddresses ?? []}
              onChange={(captureAddresses) => set({ captureAddresses })}
              error={errorOf('captureAddresses')}
            />
            <TagsInput
              label="Support addresses"
              placeholder="support@example.com"
              value={settings.supportAddresses ?? []}
              onChange={(supportAddresses) => set({ supportAddresses })}
              error={errorOf('supportAddresses')}
            />
          </Group>
          <Switch
            label="Create contacts from emails"
            checked={settings.createContacts ?? false}
            onChange={(e) => set({ createContacts: e.currentTarget.checked })}
          />
          <Switch
            label="Also when the address has no name"
            checked={settings.createContactsWithoutNames ?? false}
            onChange={(e) => set({ createContactsWithoutNames: e.currentTarget.checked })}
          />
          <Switch
            label="Zap line breaks (join the lines of each paragraph)"
            checked={settings.zapLineBreaks ?? false}
            onChange={(e) => set({ zapLineBreaks: e.currentTarget.checked })}
          />
          <Group>
            <Button onClick={save}>Save settings</Button>
          </Group>
        </Stack>
      </Paper>
      <Mailboxes />
      <Messages />
    </Stack>
  );
}

function Mailboxes() {
  const [items, setItems] = useState<Mailbox[] | null>(null);
  const [adding, setAdding] = useState(false);
  const load = useCallback(
    () =>
      api<{ items: Mailbox[] }>('GET', '/inbound-mail/mailboxes').then((page) => setItems(page.items), fail),
    [],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const poll = (mailbox: Mailbox) =>
    api<{ captured: number; error?: string }>('POST', `/inbound-mail/mailboxes/${mailbox.id}/poll`).then(
      (answer) => {
        if (answer.error) fail(new Error(`${mailbox.name}: ${answer.error}`));
        else done(`${mailbox.name}: ${answer.captured} new message${answer.captured === 1 ? '' : 's'}`);
        void load();
      },
      fail,
    );
  return (
    <Paper withBorder p="sm">
      <Group justify="space-between" mb={6}>
        <Title order={5}>IMAP mailboxes</Title>
        <Button size="xs" onClick={() => setAdding(true)}>
          Add mailbox
        </Button>
      </Group>
      {items === null ? (
        <Loader size="sm" />
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None: Weft polls no mailbox.
        </Text>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Account</Table.Th>
              <Table.Th>Used as</Table.Th>
              <Table.Th>Last poll</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((mailbox) => (
              <Table.Tr key={mailbox.id}>
                <Table.Td>{mailbox.name}</Table.Td>
                <Table.Td>
                  {mailbox.username} at {mailbox.host}:{mailbox.port} ({mailbox.folder})
                </Table.Td>
                <Table.Td>{mailbox.purpose === 'support' ? 'Support cases' : 'Dropbox'}</Table.Td>
                <Table.Td>
                  {mailbox.lastPolledAt ? formatDateTime(mailbox.lastPolledAt) : 'Never'}
                  {mailbox.lastError && (
                    <Text size="xs" c="red">
                      {mailbox.lastError}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  <Button size="compact-xs" variant="light" onClick={() => poll(mailbox)}>
                    Poll now
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <NewMailbox
        opened={adding}
        onClose={() => setAdding(false)}
        onCreated={() => {
          setAdding(false);
          void load();
        }}
      />
    </Paper>
  );
}

function NewMailbox({
  opened,
  onClose,
  onCreated,
}: {
  opened: boolean;
  onClose: () => void;
  onCreated: () => void;
}) {
  const [form, setForm] = useState({
    name: '',
    host: '',
    port: 993,
    tls: true,
    username: '',
    password: '',
    folder: 'INBOX',
    purpose: 'dropbox',
    pollSeconds: 60,
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (patch: Partial<typeof form>) => setForm({ ...form, ...patch });
  const save = () =>
    api('POST', '/inbound-mail/mailboxes', form).then(
      () => {
        setErrors({});
        done('Mailbox added: Weft polls it from now on');
        onCreated();
      },
      (error) => {
        setErrors(fieldErrors(error));
        fail(error);
      },
    );
  return (
    <Modal opened={opened} onClose={onClose} title="Add an IMAP mailbox">
      <Stack gap="xs">
        <TextInput
          label="Name"
          value={form.name}
          onChange={(e) => set({ name: e.currentTarget.value })}
          error={errors.name}
        />
        <Group grow>
          <TextInput
            label="Server"
            value={form.host}
            onChange={(e) => set({ host: e.currentTarget.value })}
            error={errors.host}
          />
          <NumberInput
            label="Port"
            value={form.port}
            onChange={(value) => set({ port: Number(value) || 0 })}
            error={errors.port}
          />
        </Group>
        <Switch
          label="TLS from the start (port 993)"
          checked={form.tls}
          onChange={(e) => set({ tls: e.currentTarget.checked })}
        />
        <TextInput
          label="User"
          value={form.username}
          onChange={(e) => set({ username: e.currentTarget.value })}
          error={errors.username}
        />
        <PasswordInput
          label="Password"
          description="Stored encrypted; never shown again"
          value={form.password}
          onChange={(e) => set({ password: e.currentTarget.value })}
          error={errors.password}
        />
        <Group grow>
          <TextInput
            label="Folder"
            value={form.folder}
            onChange={(e) => set({ folder: e.currentTarget.value })}
          />
          <Select
            label="Used as"
            data={[
              { value: 'dropbox', label: 'Dropbox' },
              { value: 'support', label: 'Support cases' },
            ]}
            value={form.purpose}
            onChange={(value) => value && set({ purpose: value })}
          />
          <NumberInput
            label="Poll every (s)"
            min={10}
            value={form.pollSeconds}
            onChange={(value) => set({ pollSeconds: Number(value) || 60 })}
          />
        </Group>
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={save}>Add mailbox</Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function Messages() {
  const [items, setItems] = useState<Captured[] | null>(null);
  useEffect(() => {
    api<{ items: Captured[] }>('GET', '/inbound-mail/messages?limit=50').then(
      (page) => setItems(page.items),
      fail,
    );
  }, []);
  if (!items) return <Loader size="sm" />;
  return (
    <Paper withBorder p="sm">
      <Title order={5} mb={6}>
        Latest captured messages
      </Title>
      {items.length === 0 ? (
        <Alert>No mail captured yet.</Alert>
      ) : (
        <Table fz="sm">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Received</Table.Th>
              <Table.Th>From</Table.Th>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Result</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((message) => (
              <Table.Tr key={message.id}>
                <Table.Td>{formatDateTime(message.receivedAt)}</Table.Td>
                <Table.Td>{message.fromAddress ?? '—'}</Table.Td>
                <Table.Td>{message.subject ?? '—'}</Table.Td>
                <Table.Td>
                  <Badge color={statusColor[message.status]} variant="light" style={{ overflow: 'visible' }}>
                    {message.status}
                  </Badge>
                  <Text size="xs" c={message.status === 'malformed' ? 'red' : 'dimmed'}>
                    {message.parseError ??
                      message.outcome?.error ??
                      message.outcome?.reason ??
                      (message.outcome?.records ? `${message.outcome.records.length} record(s)` : '')}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}
