/** Email delivery (SMTP settings, a test message) and the built-in outbox. */
import {
  Alert,
  Badge,
  Button,
  Code,
  Flex,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { fail, fieldErrors, usePaged } from '../console/console-api.ts';
import { SchemaForm } from './schema-form.tsx';
import { saveSettings, settingsPart, useSettings } from './settings-admin.tsx';

const smtp = settingsPart((name) => /^(smtp|email)/.test(name) || name === 'respectDoNotEmail');

interface Message {
  id: string;
  to: string[];
  subject: string;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  text?: string | null;
}

export function EmailAdmin() {
  const values = useSettings();
  return (
    // Delivery beside the outbox on a wide screen, above it on a tablet or phone.
    <Flex direction={{ base: 'column', lg: 'row' }} gap="xl">
      <Stack w={{ base: '100%', lg: 420 }} maw={420} gap="sm" style={{ flexShrink: 0 }}>
        <Title order={5}>Delivery</Title>
        {values ? (
          <>
            <Text size="xs" c="dimmed">
              Password: {values.smtpPasswordSet ? 'set (leave empty to keep it)' : 'not set'}
            </Text>
            <SchemaForm
              schema={smtp}
              uiSchema={{ smtpPassword: { 'ui:widget': 'password' } }}
              data={{ ...values, smtpPassword: undefined, smtpPasswordSet: undefined }}
              onSubmit={({ smtpPassword, ...rest }) =>
                saveSettings(smtp, smtpPassword ? { ...rest, smtpPassword } : rest).then(() => undefined)
              }
            />
          </>
        ) : (
          <Loader />
        )}
        <TestEmail />
      </Stack>
      <Outbox />
    </Flex>
  );
}

function TestEmail() {
  const [to, setTo] = useState('');
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const send = () =>
    api<{ response: string }>('POST', '/email/test', { to }).then(
      (answer) => setResult({ ok: true, text: `Sent. The server said: ${answer.response}` }),
      (error) =>
        setResult({
          ok: false,
          text: `${fieldErrors(error).to ?? (error as Error).message} — check the host, port, security and credentials above, save, and try again.`,
        }),
    );
  return (
    <Stack gap="xs">
      <Title order={5}>Send a test email</Title>
      <Group align="flex-end">
        <TextInput
          label="To"
          placeholder="you@example.com"
          value={to}
          onChange={(e) => setTo(e.target.value)}
        />
        <Button disabled={!to} onClick={send}>
          Send test email
        </Button>
      </Group>
      {result && (
        <Alert color={result.ok ? 'green' : 'red'} data-testid="test-email-result">
          {result.text}
        </Alert>
      )}
    </Stack>
  );
}

function Outbox() {
  const [status, setStatus] = useState<string | null>(null);
  const { items, hasMore, more } = usePaged<Message>(
    `/email/outbox?limit=50${status ? `&status=${status}` : ''}`,
  );
  const [open, setOpen] = useState<Message | null>(null);
  const show = (id: string) => api<Message>('GET', `/email/outbox/${id}`).then(setOpen, fail);
  return (
    <Stack style={{ flex: 1, minWidth: 0 }} gap="xs">
      <Group justify="space-between">
        <Title order={5}>Outbox</Title>
        <Select
          aria-label="Status"
          placeholder="Every status"
          clearable
          w={160}
          data={['stored', 'queued', 'sent', 'failed']}
          value={status}
          onChange={setStatus}
        />
      </Group>
      {items?.length === 0 && (
        <Text c="dimmed" size="sm">
          No messages. Email that flows send appears here; without an SMTP host it stays here as “stored”.
        </Text>
      )}
      <Table.ScrollContainer minWidth={600}>
        <Table striped highlightOnHover>
          <Table.Tbody>
            {items?.map((m) => (
              <Table.Tr key={m.id} style={{ cursor: 'pointer' }} onClick={() => show(m.id)}>
                <Table.Td>{formatDateTime(m.createdAt)}</Table.Td>
                <Table.Td>{m.to.join(', ')}</Table.Td>
                <Table.Td>{m.subject}</Table.Td>
                <Table.Td>
                  <Badge
                    variant="light"
                    color={m.status === 'failed' ? 'red' : m.status === 'sent' ? 'green' : 'gray'}
                  >
                    {m.status}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {hasMore && (
        <Button size="xs" variant="default" onClick={more}>
          Load more
        </Button>
      )}
      <Modal opened={open !== null} onClose={() => setOpen(null)} title={open?.subject} size="lg">
        <Text size="sm">To: {open?.to.join(', ')}</Text>
        {open?.lastError && <Alert color="red">{open.lastError}</Alert>}
        <Code block mt="sm">
          {open?.text ?? '(HTML only)'}
        </Code>
      </Modal>
    </Stack>
  );
}
