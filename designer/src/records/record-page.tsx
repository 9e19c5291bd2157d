/**
 * One record, drawn from the module's default view layout, with its tags, changelog and
 * activity. There is no "runs that touched this record" panel: the API lists runs per
 * flow only (GET /flows/:id/runs), not per record.
 */
import {
  Alert,
  Anchor,
  Badge,
  Box,
  Button,
  Flex,
  Group,
  Loader,
  ScrollArea,
  Stack,
  Tabs,
  TagsInput,
  Text,
  Textarea,
  Timeline,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { type ReactNode, useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { done, fail, type ModuleDef, type RecordRow, usePaged } from '../console/console-api.ts';
import { statusLabel } from '../executions/executions-api.ts';
import { postTypeLabel } from '../feed/post-types.ts';
import { RecordMail } from '../inbound-mail/record-mail.tsx';
import { MacroButton } from '../macros/macro-button.tsx';
import { RecordEmails } from '../marketing/record-emails.tsx';
import { ProcessWidget } from '../processes/process-widget.tsx';
import { navigate } from '../router.ts';
import { displayValue, useAssignees } from './field-input.tsx';
import { type Layout, LayoutView } from './layout-view.tsx';
import { useRecordChanges } from './record-changes.ts';
import { RelatedRecords } from './related-records.tsx';
import { SimilarCases } from './similar-cases.tsx';

// Below this the side panel goes under the record (tablets, phones) and the page scrolls as one.
const narrowQuery = '(max-width: 1100px)';

interface ChangelogEntry {
  id: string;
  action: string;
  changes: Record<string, { before: unknown; after: unknown }>;
  actorName: string | null;
  at: string;
}

interface Post {
  id: string;
  type: string;
  text: string;
  authorName: string | null;
  createdAt: string;
}

export function RecordPage({ module, id, showRuns }: { module: ModuleDef; id: string; showRuns: boolean }) {
  const [record, setRecord] = useState<RecordRow | null>(null);
  const [layout, setLayout] = useState<Layout | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const people = useAssignees();
  // Records with an address may have marketing email (designer/src/marketing/record-emails.tsx).
  const hasEmail = module.fields.some((field) => field.name === 'email');
  const narrow = useMediaQuery(narrowQuery);

  const [changes, setChanges] = useState(0);
  // A flow, an import or another person changed this record: read it again.
  useRecordChanges(module.name, (change) => {
    if (change.ids === null || change.ids.includes(id)) setChanges((n) => n + 1);
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: changes forces a fresh read
  useEffect(() => {
    api<RecordRow>('GET', `/records/${module.name}/${id}`).then(setRecord, (e: Error) =>
      setProblem(e.message),
    );
  }, [module, id, changes]);
  useEffect(() => {
    api<Layout>('GET', `/modules/${module.name}/layouts/default?kind=view`).then(setLayout, fail);
  }, [module]);

  if (problem)
    return (
      <Alert m="md" color="red" title="This record cannot be shown">
        {problem} — it may have been deleted, or it is outside what your role lets you see.{' '}
        <Button variant="subtle" size="xs" onClick={() => navigate(`/records/${module.name}`)}>
          Back to {module.label}
        </Button>
      </Alert>
    );
  if (!record || !layout) return <Loader m="md" />;

  const title =
    module.displayFields
      .map((name) => record[name])
      .filter(Boolean)
      .join(' ') || module.itemName;
  const remove = () => {
    if (!window.confirm(`Delete this ${module.itemName.toLowerCase()}? This cannot be undone.`)) return;
    api('DELETE', `/records/${module.name}/${id}`).then(() => {
      done('Deleted');
      navigate(`/records/${module.name}`);
    }, fail);
  };

  const details = (
    <Stack gap="md">
      <Group justify="space-between">
        <div>
          <Text size="sm" c="dimmed">
            <Button variant="subtle" size="compact-sm" onClick={() => navigate(`/records/${module.name}`)}>
              {module.label}
            </Button>
          </Text>
          <Title order={3} data-testid="record-title" style={{ overflowWrap: 'anywhere' }}>
            {title}
          </Title>
        </div>
        <Group>
          <MacroButton module={module.name} id={id} onDone={setRecord} />
          <Button variant="default" onClick={() => navigate(`/records/${module.name}/${id}/edit`)}>
            Edit
          </Button>
          <Button variant="light" color="red" onClick={remove}>
            Delete
          </Button>
        </Group>
      </Group>
      <LayoutView
        layout={layout}
        cell={(name) => {
          const field = module.fields.find((f) => f.name === name);
          if (!field) return null;
          return (
            <div key={name} style={{ overflowWrap: 'anywhere' }}>
              <Text size="xs" c="dimmed">
                {field.label}
              </Text>
              {field.type === 'link' && field.options.module && typeof record[name] === 'string' ? (
                <Anchor
                  size="sm"
                  data-field={name}
                  onClick={() => navigate(`/records/${field.options.module}/${record[name]}`)}
                >
                  {displayValue(field, record[name], people, record)}
                </Anchor>
              ) : (
                <Text size="sm" data-field={name}>
                  {displayValue(field, record[name], people, record) || '—'}
                </Text>
              )}
            </div>
          );
        }}
      />
      <RecordMail module={module.name} id={id} />
    </Stack>
  );

  return (
    <Flex
      direction={narrow ? 'column' : 'row'}
      align="stretch"
      // Side by side, the details and the tabs scroll each on their own. Stacked, the page
      // is as tall as what it holds (it overflows the shell's fixed-height main), so the
      // document scrolls: no short box of details scrolling above the tabs.
      style={narrow ? { flex: '1 0 auto' } : { flex: 1, minHeight: 0 }}
      data-testid="record-page"
    >
      {narrow ? (
        <Box p="md">{details}</Box>
      ) : (
        <ScrollArea style={{ flex: 1 }} p="md">
          {details}
        </ScrollArea>
      )}
      <Stack
        w={narrow ? undefined : 380}
        p="md"
        style={{ borderLeft: narrow ? undefined : '1px solid var(--mantine-color-gray-3)' }}
      >
        <RecordTags
          module={module.name}
          id={id}
          tags={(record.tags as string[]) ?? []}
          onChange={setRecord}
        />
        <ProcessWidget module={module.name} id={id} />
        <Tabs
          defaultValue="activity"
          style={{ flex: 1, minHeight: 0, display: 'flex', flexDirection: 'column' }}
        >
          <Tabs.List>
            <Tabs.Tab value="activity">Activity</Tabs.Tab>
            <Tabs.Tab value="changelog">Changelog</Tabs.Tab>
            <Tabs.Tab value="related">Related</Tabs.Tab>
            {module.name === 'cases' && <Tabs.Tab value="similar">Similar solved cases</Tabs.Tab>}
            {hasEmail && <Tabs.Tab value="email">Email</Tabs.Tab>}
            {showRuns && <Tabs.Tab value="runs">Runs</Tabs.Tab>}
          </Tabs.List>
          <Tabs.Panel value="activity" style={{ flex: 1, minHeight: 0 }}>
            <Activity module={module.name} id={id} />
          </Tabs.Panel>
          <Tabs.Panel value="changelog" style={{ flex: 1, minHeight: 0 }}>
            <Changelog module={module} id={id} />
          </Tabs.Panel>
          <Tabs.Panel value="related" style={{ flex: 1, minHeight: 0 }}>
            <TabScroll>
              <RelatedRecords module={module.name} id={id} />
            </TabScroll>
          </Tabs.Panel>
          {module.name === 'cases' && (
            <Tabs.Panel value="similar" style={{ flex: 1, minHeight: 0 }}>
              <TabScroll>
                <SimilarCases id={id} />
              </TabScroll>
            </Tabs.Panel>
          )}
          {hasEmail && (
            <Tabs.Panel value="email" style={{ flex: 1, minHeight: 0 }}>
              <TabScroll>
                <RecordEmails module={module.name} id={id} />
              </TabScroll>
            </Tabs.Panel>
          )}
          {showRuns && (
            <Tabs.Panel value="runs" style={{ flex: 1, minHeight: 0 }}>
              <Runs module={module} id={id} />
            </Tabs.Panel>
          )}
        </Tabs>
      </Stack>
    </Flex>
  );
}

/** A tab's content: its own scroller beside the details, part of the page when stacked. */
function TabScroll({ children }: { children: ReactNode }) {
  const narrow = useMediaQuery(narrowQuery);
  return narrow ? (
    <Box pt="sm">{children}</Box>
  ) : (
    <ScrollArea h="100%" pt="sm">
      {children}
    </ScrollArea>
  );
}

function RecordTags({
  module,
  id,
  tags,
  onChange,
}: {
  module: string;
  id: string;
  tags: string[];
  onChange: (record: RecordRow) => void;
}) {
  const update = async (next: string[]) => {
    const added = next.filter((t) => !tags.includes(t));
    const removed = tags.filter((t) => !next.includes(t));
    try {
      let record: RecordRow | undefined;
      if (added.length)
        record = await api<RecordRow>('POST', `/records/${module}/${id}/tags`, { tags: added });
      for (const tag of removed)
        record = await api<RecordRow>('DELETE', `/records/${module}/${id}/tags/${encodeURIComponent(tag)}`);
      if (record) onChange(record);
    } catch (error) {
      fail(error);
    }
  };
  return <TagsInput label="Tags" placeholder="Add a tag and press Enter" value={tags} onChange={update} />;
}

function Activity({ module, id }: { module: string; id: string }) {
  const { items, hasMore, more, reload } = usePaged<Post>(`/feed?module=${module}&recordId=${id}&limit=20`);
  // A post about this record pushed live (a flow's, a notification's copy) shows at once.
  useLive('feed.post.created', (push) => {
    const data = push.data as { recordId?: string; modules?: string[] } | undefined;
    if (data?.recordId === id || data?.modules?.includes(module)) reload();
  });
  const [text, setText] = useState('');
  const post = async () => {
    await api('POST', '/feed', { text, module, recordId: id }).then(() => {
      setText('');
      reload();
    }, fail);
  };
  return (
    <TabScroll>
      <Stack gap="xs">
        <Textarea
          placeholder="Write about this record"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <Group justify="flex-end">
          <Button size="xs" disabled={!text.trim()} onClick={post}>
            Post
          </Button>
        </Group>
        {items?.length === 0 && (
          <Text size="sm" c="dimmed">
            No activity yet: posts about this record and posts by its flows appear here.
          </Text>
        )}
        {items?.map((p) => (
          <div key={p.id}>
            <Group gap={6}>
              <Text size="sm" fw={600}>
                {p.authorName ?? 'Weft'}
              </Text>
              <Badge size="xs" variant="light" tt="none">
                {postTypeLabel(p.type)}
              </Badge>
              <Text size="xs" c="dimmed">
                {formatDateTime(p.createdAt)}
              </Text>
            </Group>
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {p.text}
            </Text>
          </div>
        ))}
        {hasMore && (
          <Button size="xs" variant="default" onClick={more}>
            Load more
          </Button>
        )}
      </Stack>
    </TabScroll>
  );
}

/** Names of linked records by "module:id", read once each (a changelog names a few). */
const linkNames = new Map<string, Promise<string>>();
function linkName(module: string, id: string): Promise<string> {
  const key = `${module}:${id}`;
  let found = linkNames.get(key);
  if (!found) {
    found = api<Record<string, unknown>>('GET', `/records/${module}/${id}`).then(
      (row) => {
        const names = ['firstName', 'lastName', 'name', 'subject']
          .map((f) => row[f])
          .filter((v) => typeof v === 'string' && v);
        return names.length > 0 ? names.join(' ') : 'a record';
      },
      () => 'a deleted record',
    );
    linkNames.set(key, found);
  }
  return found;
}

function Changelog({ module, id }: { module: ModuleDef; id: string }) {
  const { items, hasMore, more } = usePaged<ChangelogEntry>(
    `/records/${module.name}/${id}/changelog?limit=50`,
  );
  const label = (name: string) => module.fields.find((f) => f.name === name)?.label ?? name;
  // Ids become names: people for assignments, the linked record's name for links.
  const people = useAssignees();
  const [names, setNames] = useState<Record<string, string>>({});
  useEffect(() => {
    for (const entry of items ?? [])
      for (const [name, change] of Object.entries(entry.changes ?? {})) {
        const field = module.fields.find((f) => f.name === name);
        const target = field?.type === 'link' ? field.options.module : undefined;
        if (!target) continue;
        for (const value of [change.before, change.after])
          if (typeof value === 'string' && value)
            linkName(target, value).then((named) => setNames((known) => ({ ...known, [value]: named })));
      }
  }, [items, module]);
  const shown = (name: string, value: unknown) => {
    if (value === null || value === undefined || value === '') return 'empty';
    if (typeof value === 'string' && names[value]) return names[value];
    const field = module.fields.find((f) => f.name === name);
    const text = displayValue(field, value, people);
    return field?.type === 'link' ? 'a record' : text;
  };
  return (
    <TabScroll>
      {items?.length === 0 && (
        <Text size="sm" c="dimmed">
          No changes recorded.
        </Text>
      )}
      <Timeline bulletSize={12} lineWidth={2}>
        {items?.map((entry) => (
          <Timeline.Item key={entry.id} title={`${entry.action} by ${entry.actorName ?? 'Weft'}`}>
            <Text size="xs" c="dimmed">
              {formatDateTime(entry.at)}
            </Text>
            {Object.entries(entry.changes ?? {}).map(([name, change]) => (
              <Text size="xs" key={name}>
                {label(name)}: {shown(name, change.before)} → {shown(name, change.after)}
              </Text>
            ))}
          </Timeline.Item>
        ))}
      </Timeline>
      {hasMore && (
        <Button size="xs" variant="default" onClick={more}>
          Load more
        </Button>
      )}
    </TabScroll>
  );
}

interface RunRow {
  id: string;
  flowId: string;
  flowName?: string;
  version: number;
  status: string;
  startedAt: string;
}

/** The flow runs that acted on this record (admins: flows are administration); each opens its run. */
function Runs({ module, id }: { module: ModuleDef; id: string }) {
  const { items, hasMore, more } = usePaged<RunRow>(`/runs?module=${module.name}&recordId=${id}&limit=50`);
  return (
    <TabScroll>
      {items?.length === 0 && (
        <Text size="sm" c="dimmed">
          No flow has run on this record.
        </Text>
      )}
      <Stack gap={4}>
        {items?.map((run) => (
          <Button
            key={run.id}
            variant="subtle"
            size="xs"
            justify="space-between"
            onClick={() => navigate(`/runs/${run.id}`)}
            data-testid="record-run"
          >
            {run.flowName ?? 'Flow'} · {statusLabel[run.status] ?? run.status} · v{run.version} ·{' '}
            {formatDateTime(run.startedAt)}
          </Button>
        ))}
      </Stack>
      {hasMore && (
        <Button size="xs" variant="default" onClick={more}>
          Load more
        </Button>
      )}
    </TabScroll>
  );
}
