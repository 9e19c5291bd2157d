/** Import (wizard, live progress, per-row errors, rollback from the history) and export. */
import {
  Anchor,
  Badge,
  Button,
  FileButton,
  Group,
  Modal,
  Paper,
  Progress,
  Select,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import type { ImportView } from '../../../schemas/imports.ts';
import { api, type User } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { done, fail, useModules, usePaged } from '../console/console-api.ts';
import { ImportWizard } from './import-wizard.tsx';
import { RollbackDialog } from './rollback-dialog.tsx';

const statusColor: Record<string, string> = {
  queued: 'gray',
  running: 'blue',
  done: 'green',
  partly: 'orange',
  failed: 'red',
  rolledBack: 'gray',
};

/** How an import reads: a done import with failed rows is "Partly imported", in orange. */
function statusOf(run: ImportView): { key: string; label: string } {
  if (run.status === 'done' && run.failed > 0)
    return run.created + run.updated + run.unchanged + run.skipped === 0
      ? { key: 'failed', label: 'Nothing imported' }
      : { key: 'partly', label: 'Partly imported' };
  const labels: Record<string, string> = {
    queued: 'Waiting to start',
    running: 'Importing',
    done: 'Imported',
    failed: 'Failed',
    rolledBack: 'Rolled back',
  };
  return { key: run.status, label: labels[run.status] ?? run.status };
}

const modeLabel: Record<string, string> = {
  create: 'new records',
  update: 'update or create',
  skip: 'skip matches',
};

export function ImportsPage(_props: { rest: string[] }) {
  const [me, setMe] = useState<User | null>(null);
  const modules = useModules() ?? [];
  // `/imports?module=users` (the Users screen's Import button) opens the wizard on that target.
  const [initialModule] = useState(() => new URLSearchParams(window.location.search).get('module'));
  useEffect(() => {
    api<User>('GET', '/me').then(setMe, fail);
  }, []);
  const { items, hasMore, more, reload: reloadPage } = usePaged<ImportView>('/imports?limit=20');
  // Pushed counters and status of imports, newer than the page until the page is read again.
  const [live, setLive] = useState<Record<string, Partial<ImportView>>>({});
  const reload = () => {
    setLive({});
    reloadPage();
  };
  const [errorsOf, setErrorsOf] = useState<ImportView | null>(null);
  useLive('import.progress', (push) => {
    const run = push.data as unknown as Pick<ImportView, 'id' | 'status' | 'processed'>;
    setLive((current) => ({ ...current, [run.id]: run }));
  });
  useLive('live.resync', reload);

  const history = (items ?? []).map((run) => ({ ...run, ...live[run.id] }));
  const [rollingBack, setRollingBack] = useState<ImportView | null>(null);
  const closeRollback = useCallback(() => setRollingBack(null), []);
  // A failed or partly failed import keeps its file: its failed rows are imported again as they are.
  const retry = async (run: ImportView) => {
    const started = await api<ImportView>('POST', `/imports/${run.id}/retry`, {}).catch(fail);
    if (!started) return;
    done(`Retrying ${started.total ?? ''} ${run.status === 'failed' ? 'rows of the file' : 'failed rows'}`);
    reload();
  };

  return (
    <Stack p="md" gap="md" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Title order={3}>Import / export</Title>
      <ImportWizard isAdmin={me?.isAdmin ?? false} initialModule={initialModule} onStarted={reload} />
      <Paper withBorder p="md">
        <Title order={5} mb="sm">
          Import history
        </Title>
        {items?.length === 0 && (
          <Text c="dimmed" size="sm">
            No imports yet. Choose a module and a file above.
          </Text>
        )}
        <Table.ScrollContainer minWidth={720}>
          <Table data-testid="import-history">
            <Table.Tbody>
              {history.map((run) => {
                const total = run.total ?? 0;
                const percent = total
                  ? Math.round((run.processed / total) * 100)
                  : run.status === 'done'
                    ? 100
                    : 0;
                return (
                  <Table.Tr key={run.id} data-testid={`import-${run.id}`} data-status={run.status}>
                    <Table.Td>
                      <Text size="sm">{run.fileName}</Text>
                      <Text size="xs" c="dimmed">
                        {modules.find((m) => m.name === run.module)?.label ?? run.module} ·{' '}
                        {modeLabel[run.mode] ?? run.mode} · {formatDateTime(run.createdAt)}
                      </Text>
                    </Table.Td>
                    <Table.Td w={260}>
                      <Progress value={percent} animated={run.status === 'running'} aria-label="Progress" />
                      <Text size="xs" c="dimmed">
                        {run.processed} / {run.total ?? '?'} · {run.created} created · {run.updated} updated ·{' '}
                        {run.skipped} skipped ·{' '}
                        <Text
                          span
                          size="xs"
                          c={run.failed > 0 ? 'red.7' : 'dimmed'}
                          fw={run.failed > 0 ? 700 : undefined}
                        >
                          {run.failed} failed
                        </Text>
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Badge
                        color={statusColor[statusOf(run).key]}
                        variant={
                          statusOf(run).key === 'partly' || statusOf(run).key === 'failed'
                            ? 'filled'
                            : 'light'
                        }
                        data-testid="import-status"
                      >
                        {statusOf(run).label}
                      </Badge>
                      {run.error && (
                        <Text size="xs" c="red">
                          {run.error}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end">
                        {run.failed > 0 && (
                          <Button size="compact-xs" variant="subtle" onClick={() => setErrorsOf(run)}>
                            Row errors
                          </Button>
                        )}
                        {run.retryable &&
                          (run.status === 'failed' || (run.status === 'done' && run.failed > 0)) && (
                            <Button
                              size="compact-xs"
                              variant="subtle"
                              onClick={() => retry(run)}
                              title="Import the rows that failed again, from the kept file, with the same mapping"
                              data-testid={`import-retry-${run.id}`}
                            >
                              {run.status === 'failed' ? 'Retry' : 'Retry failed rows'}
                            </Button>
                          )}
                        {run.status === 'done' && run.created > 0 && (
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setRollingBack(run)}
                          >
                            Roll back
                          </Button>
                        )}
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {hasMore && (
          <Button size="xs" variant="default" onClick={more}>
            Load more
          </Button>
        )}
      </Paper>
      <Exports isAdmin={me?.isAdmin ?? false} />
      {errorsOf && <RowErrors run={errorsOf} onClose={() => setErrorsOf(null)} />}
      {rollingBack && <RollbackDialog run={rollingBack} onClose={closeRollback} onDone={reload} />}
    </Stack>
  );
}

function RowErrors({ run, onClose }: { run: ImportView; onClose: () => void }) {
  const { items, hasMore, more } = usePaged<{ row: number; field: string | null; reason: string }>(
    `/imports/${run.id}/errors?limit=100`,
  );
  return (
    <Modal opened onClose={onClose} title={`Rows of ${run.fileName} that failed`} size="lg">
      <Text size="sm" c="dimmed" mb="xs">
        Row numbers count the header as row 1. Fix these rows in the file and import it again with mode “skip”
        on a key field to add only them.
      </Text>
      <Table.ScrollContainer minWidth={480}>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Row</Table.Th>
              <Table.Th>Field</Table.Th>
              <Table.Th>Reason</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items?.map((e) => (
              <Table.Tr key={`${e.row}-${e.field}`}>
                <Table.Td>{e.row}</Table.Td>
                <Table.Td>{e.field ?? '—'}</Table.Td>
                <Table.Td>{e.reason}</Table.Td>
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
    </Modal>
  );
}

function Exports({ isAdmin }: { isAdmin: boolean }) {
  const modules = useModules() ?? [];
  const [module, setModule] = useState<string | null>(null);
  const [everything, setEverything] = useState<{ module: string; label: string; url: string }[] | null>(null);
  const listAll = () =>
    api<{ items: { module: string; label: string; url: string }[] }>('GET', '/exports').then(
      (answer) => setEverything(answer.items),
      fail,
    );
  return (
    <Paper withBorder p="md">
      <Title order={5} mb="sm">
        Export
      </Title>
      <Group align="flex-end">
        <Select
          label="Module"
          w={220}
          data={modules.map((m) => ({ value: m.name, label: m.label }))}
          value={module}
          onChange={setModule}
        />
        <Button
          component="a"
          href={module ? `/api/exports/${module}` : undefined}
          disabled={!module}
          download
        >
          Export CSV
        </Button>
        {isAdmin && (
          <Button variant="default" onClick={listAll}>
            Export everything
          </Button>
        )}
        {isAdmin && (
          <Button variant="default" component="a" href="/api/all-data" download>
            Download all data (ZIP)
          </Button>
        )}
      </Group>
      {isAdmin && <AllDataImport />}
      {everything && (
        <Group mt="sm" gap="md">
          {everything.map((item) => (
            <Anchor key={item.module} href={item.url} download>
              {item.label}.csv
            </Anchor>
          ))}
        </Group>
      )}
    </Paper>
  );
}

/** An all-data ZIP (from this or another installation) imported as one job per module. */
function AllDataImport() {
  const [mode, setMode] = useState<string>('skip');
  const [answer, setAnswer] = useState<{
    imports: { module: string; importId: string }[];
    skipped: { module: string; reason: string }[];
  } | null>(null);
  const upload = (file: File | null) => {
    if (!file) return;
    const zip = new Blob([file], { type: 'application/zip' });
    api<NonNullable<typeof answer>>('POST', `/all-data?mode=${mode}`, zip).then((result) => {
      setAnswer(result);
      done(`${result.imports.length} module import(s) started; follow them in the history below`);
    }, fail);
  };
  return (
    <Stack gap="xs" mt="md" data-testid="all-data-import">
      <Text size="sm" fw={500}>
        Import an all-data ZIP
      </Text>
      <Group align="flex-end">
        <Select
          label="Records that already exist (same id)"
          w={280}
          data={[
            { value: 'skip', label: 'Skip them' },
            { value: 'overwrite', label: 'Overwrite them' },
          ]}
          value={mode}
          onChange={(value) => value && setMode(value)}
        />
        <FileButton onChange={upload} accept=".zip,application/zip">
          {(props) => (
            <Button variant="light" {...props}>
              Choose the ZIP…
            </Button>
          )}
        </FileButton>
      </Group>
      {answer?.skipped.map((item) => (
        <Text key={item.module} size="xs" c="dimmed">
          {item.module}: not imported — {item.reason}
        </Text>
      ))}
    </Stack>
  );
}
