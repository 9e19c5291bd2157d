/**
 * The record page's Emails panel: the mail logged on this record — captured by the dropbox or a
 * mailbox, and sent from Weft (flows, form auto-responses) — newest first. Opening one shows its
 * body safely: text as text; an HTML body (mail sent as HTML only) in a sandboxed frame with no
 * scripts, no same origin and a policy that loads nothing from outside (no tracking pixels).
 * Attachments are listed by name and size (their content is not kept).
 */
import { Alert, Anchor, Badge, Group, List, Modal, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';

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

  useEffect(() => {
    let live = true;
    api<{ items: RecordEmail[] }>('GET', `/inbound-mail/records/${module}/${id}/emails`).then(
      (page) => live && setItems(page.items),
      (reason: Error) => live && setError(reason.message),
    );
    return () => {
      live = false;
    };
  }, [module, id]);

  return (
    <Paper withBorder p="sm" data-testid="record-mail">
      <Title order={5} mb="xs">
        Emails{items && items.length > 0 ? ` (${items.length})` : ''}
      </Title>
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
