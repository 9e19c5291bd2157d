/**
 * The record page's Emails panel: the mail logged on this record — captured by the dropbox or a
 * mailbox, and sent from Weft (flows, form auto-responses) — newest first. Opening one shows its
 * body safely: text as text; an HTML body (mail sent as HTML only) in a sandboxed frame with no
 * scripts, no same origin and a policy that loads nothing from outside (no tracking pixels).
 * Attachments are listed by name and size (their content is not kept). "Write an email" sends
 * one through the outbox (to the record's address unless another is given); it is logged here.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  List,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fieldErrors } from '../console/console-api.ts';

export interface RecordEmail {
  id: string;
  direction: 'inbound' | 'outbound';
  fromAddress: string | null;
  /** Captured mail keeps parsed addresses; mail Weft sent keeps them as written. */
  toAddresses: ({ address: string; name?: string } | string)[] | null;
  subject: string | null;
  body: string | null;
  attachments: { filename: string | null; size: number; contentType?: string }[] | null;
  at: string;
}

const looksLikeHtml = (body: string) =>
  /^\s*(<!doctype html|<html|<body|<(div|p|table|span|br)\b)/i.test(body);

/** The frame's own page: nothing runs, nothing is fetched (images only from inside the mail). */
const framed = (html: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"><base target="_blank"></head><body style="font-family:sans-serif;font-size:14px">${html}</body></html>`;

export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const addresses = (list: RecordEmail['toAddresses']) =>
  (list ?? [])
    .map((a) => (typeof a === 'string' ? a : a.name ? `${a.name} <${a.address}>` : a.address))
    .join(', ');

export function RecordMail({ module, id }: { module: string; id: string }) {
  const [items, setItems] = useState<RecordEmail[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<RecordEmail | null>(null);
  const [writing, setWriting] = useState(false);
  const [version, setVersion] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: version reloads after a send
  useEffect(() => {
    let live = true;
    api<{ items: RecordEmail[] }>('GET', `/inbound-mail/records/${module}/${id}/emails`).then(
      (page) => live && setItems(page.items),
      (reason: Error) => live && setError(reason.message),
    );
    return () => {
      live = false;
    };
  }, [module, id, version]);

  return (
    <Paper withBorder p="sm" data-testid="record-mail">
      <Group justify="space-between" mb="xs">
        <Title order={5}>Emails{items && items.length > 0 ? ` (${items.length})` : ''}</Title>
        <Button size="xs" variant="light" onClick={() => setWriting(true)}>
          Write an email
        </Button>
      </Group>
      {error ? (
        <Alert color="red" title="The emails could not be loaded">
          {error}
        </Alert>
      ) : items === null ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : items.length === 0 ? (
        <Text size="sm" c="dimmed">
          No emails yet. Mail to or from this record reaching the dropbox, and mail sent from Weft, show here.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={420}>
          <Table verticalSpacing={4} highlightOnHover>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Subject</Table.Th>
                <Table.Th>From</Table.Th>
                <Table.Th>Date</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((email) => (
                <Table.Tr key={email.id}>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Badge
                        size="xs"
                        variant="light"
                        color={email.direction === 'inbound' ? 'teal' : 'indigo'}
                      >
                        {email.direction === 'inbound' ? 'Received' : 'Sent'}
                      </Badge>
                      <Anchor component="button" type="button" size="sm" onClick={() => setOpen(email)}>
                        {email.subject || '(no subject)'}
                      </Anchor>
                      {(email.attachments?.length ?? 0) > 0 && (
                        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {email.attachments?.length === 1
                            ? '1 attachment'
                            : `${email.attachments?.length} attachments`}
                        </Text>
                      )}
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{email.fromAddress ?? '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                      {new Date(email.at).toLocaleString()}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Modal
        opened={open !== null}
        onClose={() => setOpen(null)}
        title={open?.subject || '(no subject)'}
        size="lg"
      >
        {open && <EmailView email={open} />}
      </Modal>
      <Modal opened={writing} onClose={() => setWriting(false)} title="Write an email" size="lg">
        {writing && (
          <Compose
            module={module}
            id={id}
            onSent={() => {
              setWriting(false);
              setVersion((v) => v + 1);
              done('Email sent: it is in the outbox and logged on this record');
            }}
          />
        )}
      </Modal>
    </Paper>
  );
}

function EmailView({ email }: { email: RecordEmail }) {
  const body = email.body ?? '';
  return (
    <Stack gap="sm" data-testid="record-mail-message">
      <Stack gap={2}>
        <Text size="sm">
          <Text span c="dimmed">
            From:{' '}
          </Text>
          {email.fromAddress ?? '—'}
        </Text>
        <Text size="sm">
          <Text span c="dimmed">
            To:{' '}
          </Text>
          {addresses(email.toAddresses) || '—'}
        </Text>
        <Text size="sm">
          <Text span c="dimmed">
            Date:{' '}
          </Text>
          {new Date(email.at).toLocaleString()}
        </Text>
      </Stack>
      {body === '' ? (
        <Text size="sm" c="dimmed">
          This email has no text.
        </Text>
      ) : looksLikeHtml(body) ? (
        <iframe
          title="Email body"
          sandbox=""
          referrerPolicy="no-referrer"
          srcDoc={framed(body)}
          style={{ width: '100%', height: 360, border: '1px solid var(--mantine-color-gray-3)' }}
        />
      ) : (
        <Text
          size="sm"
          style={{ whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' }}
          data-testid="record-mail-body"
        >
          {body}
        </Text>
      )}
      {(email.attachments?.length ?? 0) > 0 && (
        <Stack gap={2}>
          <Text size="sm" fw={500}>
            Attachments
          </Text>
          <List size="sm">
            {email.attachments?.map((a) => (
              <List.Item key={`${a.filename}-${a.size}`}>
                {a.filename ?? 'Unnamed attachment'} ({size(a.size)})
              </List.Item>
            ))}
          </List>
          <Text size="xs" c="dimmed">
            Only the names and sizes are kept.
          </Text>
        </Stack>
      )}
    </Stack>
  );
}

function Compose({ module, id, onSent }: { module: string; id: string; onSent: () => void }) {
  const [to, setTo] = useState('');
  const [subject, setSubject] = useState('');
  const [text, setText] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const send = () => {
    setSending(true);
    setErrors({});
    setProblem(null);
    api('POST', `/inbound-mail/records/${module}/${id}/emails`, {
      ...(to.trim() ? { to: to.trim() } : {}),
      subject,
      text,
    }).then(onSent, (error: Error) => {
      setSending(false);
      // The address's problems (none on the record, "do not email") are said in full; the
      // subject's and message's next to them.
      const { to: _to, ...byField } = fieldErrors(error);
      setErrors(byField);
      if (Object.keys(byField).length === 0) setProblem(error.message);
    });
  };
  return (
    <Stack gap="sm" data-testid="record-mail-compose">
      <TextInput
        label="To"
        description="Leave empty to write to this record's own address"
        value={to}
        onChange={(event) => setTo(event.currentTarget.value)}
      />
      <TextInput
        label="Subject"
        required
        value={subject}
        onChange={(event) => setSubject(event.currentTarget.value)}
        error={errors.subject ? `Subject ${errors.subject}` : undefined}
      />
      <Textarea
        label="Message"
        required
        autosize
        minRows={6}
        value={text}
        onChange={(event) => setText(event.currentTarget.value)}
        error={errors.text ? `Message ${errors.text}` : undefined}
      />
      {problem && (
        <Alert color="red" title="The email was not sent">
          {problem}
        </Alert>
      )}
      <Group justify="flex-end">
        <Button onClick={send} loading={sending} disabled={!subject.trim() || !text.trim()}>
          Send
        </Button>
      </Group>
    </Stack>
  );
}
