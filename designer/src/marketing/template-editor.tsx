/**
 * A template: subject, HTML (Monaco) and text bodies, checked against the module's fields
 * and previewed live on a sample record as the marketer types; "Send test" mails the
 * rendered draft to one address.
 */
import {
  Alert,
  Button,
  Grid,
  Group,
  Loader,
  Paper,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { lazy, Suspense, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done, fail, fieldErrors } from '../console/console-api.ts';
import { navigate } from '../router.ts';
import { type Preview, type Template, useLoad } from './marketing-api.ts';

const HtmlEditor = lazy(() => import('./html-editor.tsx'));

const starter = {
  name: '',
  category: '',
  subject: 'Hello {{record.firstName}}',
  html: '<p>Dear {{record.firstName}} {{record.lastName}},</p>\n<p>…</p>\n<p><a href="https://www.example.com">Read more</a></p>',
  text: 'Dear {{record.firstName}},\n\n…',
};

export function TemplateEditor({ id }: { id: string | null }) {
  const loaded = useLoad<Template>(id ? `/marketing/templates/${id}` : null);
  const [draft, setDraft] = useState(starter);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview | null>(null);
  const [testTo, setTestTo] = useState('');
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const t = loaded.data;
    if (t)
      setDraft({
        name: t.name,
        category: t.category ?? '',
        subject: t.subject,
        html: t.html ?? '',
        text: t.text ?? '',
      });
  }, [loaded.data]);

  // The preview follows the draft, a moment after typing stops.
  useEffect(() => {
    const timer = setTimeout(() => {
      api<Preview>('POST', '/marketing/templates/preview', {
        subject: draft.subject,
        html: draft.html || null,
        text: draft.text || null,
        category: draft.category || null,
      }).then(setPreview, () => setPreview(null));
    }, 350);
    return () => clearTimeout(timer);
  }, [draft.subject, draft.html, draft.text, draft.category]);

  const set = (key: keyof typeof starter) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const body = () => ({
    name: draft.name,
    category: draft.category || null,
    subject: draft.subject,
    html: draft.html || null,
    text: draft.text || null,
  });

  async function save() {
    setBusy(true);
    setErrors({});
    try {
      const saved = id
        ? await api<Template>('PATCH', `/marketing/templates/${id}`, body())
        : await api<Template>('POST', '/marketing/templates', body());
      done(`Template “${saved.name}” saved`);
      if (!id) navigate(`/marketing/templates/${saved.id}`);
    } catch (error) {
      setErrors(fieldErrors(error));
      fail(error);
    } finally {
      setBusy(false);
    }
  }

  async function sendTest() {
    try {
      await api('POST', '/marketing/templates/test', {
        subject: draft.subject,
        html: draft.html || null,
        text: draft.text || null,
        to: testTo,
      });
      done(`Test sent to ${testTo}`);
    } catch (error) {
      fail(error);
    }
  }

  if (id && !loaded.data && !loaded.error) return <Loader m="md" />;
  if (loaded.error)
    return (
      <Alert m="md" color="red" title="The template could not be loaded">
        {loaded.error}
      </Alert>
    );

  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Group justify="space-between">
        <Title order={3}>{id ? `Template: ${loaded.data?.name}` : 'New template'}</Title>
        <Group>
          <Button variant="default" onClick={() => navigate('/marketing/templates')}>
            Back
          </Button>
          <Button onClick={save} loading={busy}>
            Save
          </Button>
        </Group>
      </Group>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Stack gap="xs">
            <Group grow>
              <TextInput
                label="Name"
                required
                value={draft.name}
                onChange={(e) => set('name')(e.currentTarget.value)}
                error={errors.name}
              />
              <TextInput
                label="Category"
                description="Recipients may unsubscribe from it"
                placeholder="e.g. Promotions"
                value={draft.category}
                onChange={(e) => set('category')(e.currentTarget.value)}
                error={errors.category}
              />
            </Group>
            <TextInput
              label="Subject"
              required
              value={draft.subject}
              onChange={(e) => set('subject')(e.currentTarget.value)}
              error={errors.subject}
            />
            <Text size="sm" fw={500}>
              HTML body
            </Text>
            <Suspense fallback={<Loader size="sm" />}>
              <HtmlEditor value={draft.html} onChange={set('html')} />
            </Suspense>
            {errors.html && (
              <Text size="xs" c="red">
                {errors.html}
              </Text>
            )}
            <Textarea
              label="Text body"
              autosize
              minRows={4}
              value={draft.text}
              onChange={(e) => set('text')(e.currentTarget.value)}
              error={errors.text}
            />
            <Text size="xs" c="dimmed">
              Variables: {'{{record.<field>}}'} of the contact, {'{{user.firstName}}'} of the sender,{' '}
              {'{{now}}'}; filters such as {'{{record.firstName | default:"there"}}'}. Campaign mail gets an
              unsubscribe link and tracking added.
            </Text>
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Paper withBorder p="sm" data-testid="template-preview">
            <Stack gap="xs">
              <Group justify="space-between">
                <Text fw={600}>Preview</Text>
                <Text size="xs" c="dimmed">
                  {preview?.rendered &&
                    (preview.record ? 'with the newest contact' : 'no contact to preview with yet')}
                </Text>
              </Group>
              {preview && preview.problems.length > 0 && (
                <Alert color="red" title="This template has problems">
                  {preview.problems.map((p) => (
                    <Text key={`${p.field}${p.reason}`} size="sm">
                      {p.field === 'html' ? 'HTML body' : p.field === 'text' ? 'Text body' : 'Subject'}:{' '}
                      {p.reason}
                    </Text>
                  ))}
                </Alert>
              )}
              {preview?.rendered && (
                <>
                  <Text size="sm">
                    <b>Subject:</b> {preview.rendered.subject}
                  </Text>
                  {preview.rendered.html !== null && (
                    <iframe
                      title="HTML preview"
                      sandbox=""
                      srcDoc={preview.rendered.html}
                      style={{
                        width: '100%',
                        height: 300,
                        border: '1px solid var(--mantine-color-gray-3)',
                        background: 'white',
                      }}
                    />
                  )}
                  {preview.rendered.text !== null && (
                    <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} ff="monospace">
                      {preview.rendered.text}
                    </Text>
                  )}
                </>
              )}
              <Group align="flex-end">
                <TextInput
                  label="Send a test to"
                  placeholder="you@example.com"
                  value={testTo}
                  onChange={(e) => setTestTo(e.currentTarget.value)}
                  style={{ flex: 1 }}
                />
                <Button variant="light" onClick={sendTest} disabled={!testTo || !preview?.rendered}>
                  Send test
                </Button>
              </Group>
            </Stack>
          </Paper>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
