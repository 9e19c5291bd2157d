/**
 * The inbound webhook trigger's delivery details: the URL to POST to, how to sign, and the
 * flow's secret with a rotate button (`POST /api/hooks/flows/:flowId/secret`; asks first,
 * since the old secret stops verifying at once).
 */
import {
  Alert,
  Button,
  Code,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fail } from '../console/console-api.ts';
import { WebhookDeliveries } from '../hooks/webhook-deliveries.tsx';

interface Sender {
  service: string;
  title: string;
  help: string;
}
let senders: Promise<Sender[]> | null = null;
const loadSenders = () => {
  senders ??= api<{ items: Sender[] }>('GET', '/hooks/services').then((page) => page.items);
  return senders;
};

export function WebhookPanel({
  flowId,
  secret,
  service = 'weft',
  onRotated,
}: {
  flowId: string;
  secret: string | null;
  /** The trigger's `service` param: whose signature deliveries carry. */
  service?: string;
  onRotated: (secret: string) => void;
}) {
  const [asking, setAsking] = useState(false);
  const [listing, setListing] = useState(false);
  const [given, setGiven] = useState('');
  const [sender, setSender] = useState<Sender | undefined>();
  useEffect(() => {
    loadSenders().then((all) => setSender(all.find((one) => one.service === service)), fail);
  }, [service]);
  const save = () =>
    api<{ secret: string }>('PUT', `/hooks/flows/${flowId}/secret`, { secret: given.trim() }).then(
      (answer) => {
        onRotated(answer.secret);
        setGiven('');
        done('Secret saved: deliveries are now verified with it');
      },
      fail,
    );
  const url = `${window.location.origin}/api/hooks/flows/${flowId}`;
  const rotate = () =>
    api<{ secret: string }>('POST', `/hooks/flows/${flowId}/secret`).then((answer) => {
      onRotated(answer.secret);
      setAsking(false);
      done('New webhook secret: update the sender');
    }, fail);
  return (
    <Stack gap={6} data-testid="webhook-panel">
      <Group gap={4} align="flex-end" wrap="nowrap">
        <TextInput label="Delivery URL" value={url} readOnly style={{ flex: 1 }} />
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Button size="xs" variant="default" onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
      <Group gap={4} align="flex-end" wrap="nowrap">
        <PasswordInput
          label="Secret"
          value={secret ?? ''}
          placeholder="No secret yet: rotate to make one"
          readOnly
          style={{ flex: 1 }}
        />
        <CopyButton value={secret ?? ''}>
          {({ copied, copy }) => (
            <Button size="xs" variant="default" onClick={copy} disabled={!secret}>
              {copied ? 'Copied' : 'Copy'}
            </Button>
          )}
        </CopyButton>
      </Group>
      {service === 'weft' ? (
        <Text size="xs" c="dimmed">
          POST JSON to the URL with <Code>x-weft-timestamp</Code> (unix seconds), <Code>x-weft-delivery</Code>{' '}
          (a unique id; a repeat is ignored) and <Code>x-weft-signature: sha256=</Code> the hex HMAC-SHA256 of{' '}
          <Code>timestamp + "." + delivery + "." + body</Code> with the secret. The delivery id is signed, so
          a captured delivery cannot be replayed under a new one. Publish and activate the flow first:
          deliveries to an inactive flow are refused.
        </Text>
      ) : (
        <Text size="xs" c="dimmed">
          {sender?.title}: {sender?.help} Publish and activate the flow first: deliveries to an inactive flow
          are refused.
        </Text>
      )}
      <Group gap={4} align="flex-end" wrap="nowrap">
        <PasswordInput
          label="Use the sender’s secret"
          description="Stripe, Slack and Shopify sign with a secret they give you: paste it here."
          value={given}
          onChange={(event) => setGiven(event.currentTarget.value)}
          style={{ flex: 1 }}
        />
        <Button size="xs" variant="default" onClick={save} disabled={given.trim().length === 0}>
          Save secret
        </Button>
      </Group>
      <Group>
        <Button size="xs" variant="light" onClick={() => setListing(true)}>
          Deliveries
        </Button>
        <Button size="xs" variant="light" color="orange" onClick={() => setAsking(true)}>
          Rotate secret
        </Button>
      </Group>
      <WebhookDeliveries flowId={flowId} opened={listing} onClose={() => setListing(false)} />
      <Modal opened={asking} onClose={() => setAsking(false)} title="Rotate the webhook secret?">
        <Stack>
          <Alert color="orange" p="xs">
            The current secret stops working at once: deliveries signed with it are refused until the sender
            uses the new one.
          </Alert>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setAsking(false)}>
              Cancel
            </Button>
            <Button color="orange" onClick={rotate}>
              Rotate
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
