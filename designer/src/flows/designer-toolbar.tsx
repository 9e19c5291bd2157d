import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Loader,
  Menu,
  Modal,
  Select,
  Switch,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { lazy, type ReactNode, Suspense, useEffect, useMemo, useState } from 'react';
import type { Flow } from '../../../schemas/flow.ts';
import { api, type Page } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import type { Catalog } from '../model/catalog.ts';
import { differs, flowChanges } from '../model/flow-changes.ts';
import { metaOf, toCanvas, toFlow } from '../model/flow-graph.ts';
import { canRedo, canUndo } from '../model/history.ts';
import { navigate } from '../router.ts';
import type { FlowDetail, FlowVersion } from './flows-api.ts';
import type { FlowEditor } from './use-flow-editor.ts';

const fail = (error: unknown): undefined => {
  notifications.show({ color: 'red', message: (error as Error).message });
};

const VersionDiff = lazy(() => import('../editor/version-diff.tsx'));

const saveLabels = { saved: 'Saved', saving: 'Saving…', unsaved: 'Unsaved', error: 'Not saved' } as const;
const saveColors = { saved: 'teal', saving: 'blue', unsaved: 'gray', error: 'red' } as const;

interface Props {
  editor: FlowEditor;
  detail: FlowDetail;
  onDetail: (detail: FlowDetail) => void;
  /** Names node types in "what publishing changes". */
  catalog: Catalog;
  children: ReactNode;
}

export function DesignerToolbar({ editor, detail, onDetail, catalog, children }: Props) {
  const [name, setName] = useState(detail.name);
  const [versions, setVersions] = useState<FlowVersion[]>([]);
  const [busy, setBusy] = useState(false);
  const [comparing, setComparing] = useState(false);
  const [sides, setSides] = useState<[string | null, string | null]>([null, 'draft']);
  // Versions come back from jsonb with their keys reordered: compare in the canvas's own order.
  const definitionOf = (key: string | null) => {
    const found = key === 'draft' ? editor.flow : versions.find((v) => String(v.version) === key)?.definition;
    return found && toFlow(metaOf(found), toCanvas(found));
  };
  const choices = [
    { value: 'draft', label: 'Draft' },
    ...versions.map((v) => ({ value: String(v.version), label: `Version ${v.version}` })),
  ];
  const reload = () => api<FlowDetail>('GET', `/flows/${detail.id}`).then(onDetail);

  // The live version, to tell whether the draft differs from it and how.
  const [live, setLive] = useState<Flow | null>(null);
  const [liveLoaded, setLiveLoaded] = useState(detail.publishedVersion === null);
  useEffect(() => {
    if (detail.publishedVersion === null) {
      setLive(null);
      setLiveLoaded(true);
      return;
    }
    let current = true;
    api<FlowVersion>('GET', `/flows/${detail.id}/versions/${detail.publishedVersion}`).then((version) => {
      if (!current) return;
      setLive(toFlow(metaOf(version.definition), toCanvas(version.definition)));
      setLiveLoaded(true);
    }, fail);
    return () => {
      current = false;
    };
  }, [detail.id, detail.publishedVersion]);
  const changed = liveLoaded && differs(live, editor.flow);
  const [confirming, setConfirming] = useState(false);
  const changes = useMemo(
    () => (confirming ? flowChanges(live, editor.flow, (type) => catalog.get(type)?.title ?? type) : []),
    [confirming, live, editor.flow, catalog],
  );

  const rename = async () => {
    const trimmed = name.trim();
    if (!trimmed || trimmed === detail.name) return setName(detail.name);
    await api('PATCH', `/flows/${detail.id}`, { name: trimmed }).then(reload, fail);
    editor.setMeta((meta) => ({ ...meta, name: trimmed }));
  };

  const publish = async () => {
    setConfirming(false);
    setBusy(true);
    try {
      const answer = await api<{ version: number }>('POST', `/flows/${detail.id}/publish`);
      notifications.show({ color: 'teal', message: `Published version ${answer.version}` });
      await reload();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  const setActive = async (active: boolean) => {
    await api('POST', `/flows/${detail.id}/${active ? 'activate' : 'deactivate'}`).then(reload, fail);
  };

  const blocked = editor.problems.length > 0 || !editor.saved || !changed;
  const why =
    editor.problems.length > 0
      ? 'Fix the problems first'
      : !editor.saved
        ? 'Saving the draft…'
        : `Nothing changed since version ${detail.publishedVersion}`;
  const [left, right] = sides.map(definitionOf);
  return (
    <>
      <Modal
        opened={confirming}
        onClose={() => setConfirming(false)}
        title={`Publish version ${(detail.publishedVersion ?? 0) + 1}`}
        data-testid="publish-dialog"
      >
        <Text size="sm" mb="xs">
          {detail.publishedVersion === null
            ? 'This becomes the live version:'
            : `What changes from version ${detail.publishedVersion}, which runs now:`}
        </Text>
        <ul style={{ margin: 0, paddingLeft: 20 }} data-testid="publish-changes">
          {changes.map((change) => (
            <li key={change}>
              <Text size="sm">{change}</Text>
            </li>
          ))}
        </ul>
        <Text size="xs" c="dimmed" mt="sm">
          Runs already under way finish on the version they started on.
        </Text>
        <Group justify="flex-end" mt="md">
          <Button variant="default" onClick={() => setConfirming(false)}>
            Not now
          </Button>
          <Button onClick={publish}>Publish version {(detail.publishedVersion ?? 0) + 1}</Button>
        </Group>
      </Modal>
      <Modal
        opened={comparing}
        onClose={() => setComparing(false)}
        title="Compare versions"
        closeButtonProps={{ 'aria-label': 'Close' }}
        size="90%"
      >
        <Group mb="sm" grow>
          <Select
            label="Left"
            data={choices}
            value={sides[0]}
            onChange={(v) => setSides([v, sides[1]])}
            allowDeselect={false}
          />
          <Select
            label="Right"
            data={choices}
            value={sides[1]}
            onChange={(v) => setSides([sides[0], v])}
            allowDeselect={false}
          />
        </Group>
        {left && right && (
          <Suspense fallback={<Loader />}>
            <VersionDiff left={left} right={right} />
          </Suspense>
        )}
      </Modal>
      <Group
        px="md"
        py={8}
        justify="space-between"
        style={{ borderBottom: '1px solid var(--mantine-color-gray-3)', rowGap: 8 }}
      >
        <Group gap="sm" wrap="nowrap" style={{ minWidth: 0 }}>
          <ActionIcon
            variant="subtle"
            color="gray"
            onClick={() => navigate('/flows')}
            aria-label="Back to flows"
          >
            ←
          </ActionIcon>
          <TextInput
            size="xs"
            variant="unstyled"
            aria-label="Flow name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            onBlur={rename}
            onKeyDown={(e) => e.key === 'Enter' && e.currentTarget.blur()}
            w={{ base: 180, lg: 340 }}
            styles={{ input: { fontWeight: 600, fontSize: 15 } }}
          />
          <Badge
            variant="light"
            color={saveColors[editor.saveState]}
            data-testid="save-state"
            title={editor.saveError ?? ''}
          >
            {saveLabels[editor.saveState]}
          </Badge>
          <Text
            size="xs"
            c={changed && detail.publishedVersion !== null ? 'orange.8' : 'dimmed'}
            data-testid="live-state"
          >
            {detail.publishedVersion === null
              ? 'Not published yet'
              : `v${detail.publishedVersion} ${detail.active ? 'live' : 'published'}${changed ? ' · unpublished changes' : ''}`}
          </Text>
        </Group>
        <Group gap="xs">
          {children}
          <Tooltip label="Undo (Ctrl+Z)">
            <ActionIcon
              variant="default"
              onClick={editor.undo}
              disabled={!canUndo(editor.history)}
              aria-label="Undo"
            >
              ↶
            </ActionIcon>
          </Tooltip>
          <Tooltip label="Redo (Ctrl+Shift+Z)">
            <ActionIcon
              variant="default"
              onClick={editor.redo}
              disabled={!canRedo(editor.history)}
              aria-label="Redo"
            >
              ↷
            </ActionIcon>
          </Tooltip>
          <Menu
            onOpen={() =>
              api<Page<FlowVersion>>('GET', `/flows/${detail.id}/versions`).then(
                (page) => setVersions(page.items),
                fail,
              )
            }
          >
            <Menu.Target>
              <Button size="xs" variant="default">
                Versions
              </Button>
            </Menu.Target>
            <Menu.Dropdown>
              {versions.length === 0 && <Menu.Label>No published version yet</Menu.Label>}
              {versions.length > 0 && (
                <Menu.Item
                  onClick={() => {
                    setSides([String(versions[0]?.version), 'draft']);
                    setComparing(true);
                  }}
                >
                  Compare versions…
                </Menu.Item>
              )}
              {versions.map((version) => (
                <Menu.Item key={version.version} onClick={() => editor.setFlow(version.definition)}>
                  Restore v{version.version} as draft
                  {version.publishedAt && (
                    <Text span size="xs" c="dimmed">
                      {' '}
                      · {formatDateTime(version.publishedAt)}
                    </Text>
                  )}
                </Menu.Item>
              ))}
            </Menu.Dropdown>
          </Menu>
          <Switch
            label="Active"
            checked={detail.active}
            disabled={detail.publishedVersion === null}
            onChange={(e) => setActive(e.currentTarget.checked)}
            data-testid="active-switch"
          />
          <Tooltip label={why} disabled={!blocked}>
            <Button size="xs" onClick={() => setConfirming(true)} disabled={blocked} loading={busy}>
              Publish
            </Button>
          </Tooltip>
        </Group>
      </Group>
    </>
  );
}
