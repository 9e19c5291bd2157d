/** Upload a CSV or XLSX file, map its columns to fields from the preview, choose the mode, start. */
import {
  Alert,
  Button,
  Checkbox,
  FileInput,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  TagsInput,
  Text,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import type { ImportView, LinkChoices, PreviewView } from '../../../schemas/imports.ts';
import { api, can } from '../api.ts';
import { useCurrentUser } from '../app/current-user.ts';
import { fail, fieldErrors, useModules } from '../console/console-api.ts';
import { PreflightResult, type PreflightView } from './import-preflight.tsx';

const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const asUpload = (file: File) =>
  new Blob([file], { type: /\.xlsx$/i.test(file.name) ? xlsxType : 'text/csv' });

export function ImportWizard({
  isAdmin,
  initialModule = null,
  onStarted,
}: {
  isAdmin: boolean;
  /** Preselected target (`users` from the Users screen). */
  initialModule?: string | null;
  onStarted: (run: ImportView) => void;
}) {
  const me = useCurrentUser();
  // Only modules the user's role may create records in are import targets.
  const modules = (useModules() ?? []).filter((m) => can(me, m.name, 'create'));
  const [module, setModule] = useState<string | null>(initialModule);
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<PreviewView | null>(null);
  const [mapping, setMapping] = useState<Record<string, string | null>>({});
  const [mode, setMode] = useState<'create' | 'update' | 'skip'>('create');
  const [keyField, setKeyField] = useState<string | null>(null);
  const [tags, setTags] = useState<string[]>([]);
  const [route, setRoute] = useState(false);
  const [runFlows, setRunFlows] = useState(false);
  const [links, setLinks] = useState<LinkChoices>({});
  const [problem, setProblem] = useState<string | null>(null);
  // The whole file checked against these choices; any change asks for a new check.
  const [check, setCheck] = useState<PreflightView | null>(null);
  const [checking, setChecking] = useState(false);
  const choices = JSON.stringify([module, mapping, mode, keyField, tags, route, runFlows, links]);
  const [checkedFor, setCheckedFor] = useState<string | null>(null);
  const checked = check !== null && checkedFor === choices;

  const read = async (nextModule: string | null, nextFile: File | null) => {
    setPreview(null);
    setProblem(null);
    setCheck(null);
    setLinks({});
    if (!nextModule || !nextFile) return;
    try {
      const answer = await api<PreviewView>(
        'POST',
        `/imports/preview?module=${nextModule}&rows=5`,
        asUpload(nextFile),
      );
      setPreview(answer);
      setMapping(answer.mapping);
    } catch (error) {
      setProblem(`${(error as Error).message} — the file must be CSV with a header row, or XLSX.`);
    }
  };

  const queryOf = () => {
    if (!module || !file) return null;
    const query = new URLSearchParams({
      module,
      mode,
      mapping: JSON.stringify(mapping),
      fileName: file.name,
    });
    if (mode !== 'create' && keyField) query.set('keyField', keyField);
    if (tags.length) query.set('tags', tags.join(','));
    if (route) query.set('route', 'true');
    if (runFlows) query.set('runFlows', 'true');
    if (Object.keys(links).length > 0) query.set('links', JSON.stringify(links));
    return query;
  };

  const runCheck = async () => {
    const query = queryOf();
    if (!query || !file) return;
    setChecking(true);
    setProblem(null);
    try {
      setCheck(await api<PreflightView>('POST', `/imports/preflight?${query}`, asUpload(file)));
      setCheckedFor(choices);
    } catch (error) {
      const byField = Object.entries(fieldErrors(error));
      setProblem(
        byField.length ? byField.map(([f, r]) => `${f}: ${r}`).join('; ') : (error as Error).message,
      );
    } finally {
      setChecking(false);
    }
  };

  const start = async () => {
    const query = queryOf();
    if (!query || !file) return;
    try {
      const run = await api<ImportView>('POST', `/imports?${query}`, asUpload(file));
      onStarted(run);
      setFile(null);
      setPreview(null);
      setCheck(null);
    } catch (error) {
      const byField = Object.entries(fieldErrors(error));
      if (byField.length) setProblem(byField.map(([f, r]) => `${f}: ${r}`).join('; '));
      else fail(error);
    }
  };

  const targets = [
    ...(isAdmin ? [{ value: 'users', label: 'Users' }] : []),
    ...modules.map((m) => ({ value: m.name, label: m.label })),
  ];
  const fieldChoices = (preview?.fields ?? []).map((f) => ({
    value: f.name,
    label: `${f.label}${f.required ? ' *' : ''}`,
  }));

  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={5}>Import a file</Title>
        <Group align="flex-end">
          <Select
            label="Into"
            placeholder="Module"
            data={targets}
            value={module}
            onChange={(value) => {
              setModule(value);
              read(value, file);
            }}
            w={220}
          />
          <FileInput
            label="File (CSV or XLSX)"
            placeholder="Choose a file"
            accept=".csv,.xlsx,text/csv"
            value={file}
            onChange={(value) => {
              setFile(value);
              read(module, value);
            }}
            w={280}
            data-testid="import-file"
          />
        </Group>
        {problem && <Alert color="red">{problem}</Alert>}
        {preview && (
          <>
            <Text size="sm">
              {preview.total} rows. Match each column to a field (or ignore it); the first rows are shown
              below.
            </Text>
            <Table.ScrollContainer minWidth={preview.header.length * 160}>
              <Table withTableBorder data-testid="import-mapping">
                <Table.Thead>
                  <Table.Tr>
                    {preview.header.map((column) => (
                      <Table.Th key={column} miw={160}>
                        <Text size="xs" c="dimmed">
                          {column}
                        </Text>
                        <Select
                          size="xs"
                          aria-label={`Column ${column}`}
                          placeholder="Ignore"
                          data={fieldChoices}
                          value={mapping[column] ?? null}
                          clearable
                          onChange={(value) => setMapping({ ...mapping, [column]: value })}
                        />
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {preview.rows.map((row, r) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: preview rows are positional
                    <Table.Tr key={r}>
                      {row.map((cell, c) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: cells are positional
                        <Table.Td key={c}>{cell}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group align="flex-end">
              <Select
                label="Mode"
                w={260}
                data={[
                  { value: 'create', label: 'Create a record per row' },
                  { value: 'update', label: 'Update matching, create the rest' },
                  { value: 'skip', label: 'Skip matching, create the rest' },
                ]}
                value={mode}
                onChange={(value) => value && setMode(value as typeof mode)}
                allowDeselect={false}
              />
              {mode !== 'create' && (
                <Select
                  label="Match rows on"
                  w={200}
                  data={fieldChoices}
                  value={keyField}
                  onChange={setKeyField}
                />
              )}
              <TagsInput label="Tag imported records" w={240} value={tags} onChange={setTags} />
              <Checkbox
                label="Run lead routing on new records"
                checked={route}
                onChange={(e) => setRoute(e.currentTarget.checked)}
                mb={8}
              />
              {module !== 'users' && (
                <Checkbox
                  label={(() => {
                    const count = check
                      ? check.flows.created + (mode !== 'create' ? check.flows.updated : 0)
                      : null;
                    if (count === null) return 'Run active flows for imported records';
                    if (count === 0) return 'Run active flows for imported records (none would run now)';
                    return `Run the ${count} active ${count === 1 ? 'flow' : 'flows'} for imported records`;
                  })()}
                  description="Off: imported records start no flow"
                  checked={runFlows}
                  onChange={(e) => setRunFlows(e.currentTarget.checked)}
                  data-testid="import-run-flows"
                  mb={8}
                />
              )}
            </Group>
            {check && (
              <PreflightResult
                check={check}
                moduleLabel={modules.find((m) => m.name === module)?.label ?? module ?? ''}
                links={links}
                onLinks={setLinks}
                runFlows={runFlows}
              />
            )}
            {check && !checked && (
              <Text size="sm" c="orange.8">
                Your choices changed since the check: check again to see what they do.
              </Text>
            )}
            <Group>
              {module !== 'users' && (
                <Button
                  variant={checked ? 'default' : 'filled'}
                  onClick={runCheck}
                  loading={checking}
                  disabled={mode !== 'create' && !keyField}
                >
                  {check ? 'Check again' : 'Check the whole file'}
                </Button>
              )}
              <Button
                onClick={start}
                variant={module === 'users' || checked ? 'filled' : 'default'}
                disabled={(mode !== 'create' && !keyField) || (module !== 'users' && !checked)}
                title={
                  module !== 'users' && !checked
                    ? 'Check the file first: nothing is written by the check'
                    : ''
                }
              >
                {checked && check && check.fail > 0
                  ? `Import anyway (${check.fail} ${check.fail === 1 ? 'row' : 'rows'} will fail)`
                  : 'Start import'}
              </Button>
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}
