/**
 * What the pre-flight check found: counts, each column's problems with sample rows, the link
 * names that match no record or several (with the choice of what to do with each), flows
 * that would run.
 */
import { Alert, Group, List, Paper, Select, Stack, Table, Text, Title } from '@mantine/core';
import type { LinkChoice, LinkChoices } from '../../../schemas/imports.ts';

export interface PreflightView {
  total: number;
  create: number;
  update: number;
  skip: number;
  fail: number;
  columns: {
    field: string | null;
    label: string;
    column: string | null;
    rows: number;
    samples: { row: number; value: string; reason: string }[];
  }[];
  flows: { created: number; updated: number };
  links: LinkIssues[];
}

export interface LinkIssues {
  field: string;
  label: string;
  module: string;
  moduleLabel: string;
  canCreate: boolean;
  missing: { name: string; rows: number }[];
  ambiguous: { name: string; rows: number; candidates: { id: string; name: string }[] }[];
}

const noChoice: LinkChoice = { missing: 'fail', ambiguous: 'fail', picks: {} };
const listed = 5;

/** Per link field: what to do with names matching no record, and which record each ambiguous name means. */
export function LinkChoicesPanel({
  issues,
  links,
  onLinks,
}: {
  issues: LinkIssues[];
  links: LinkChoices;
  onLinks: (links: LinkChoices) => void;
}) {
  if (issues.length === 0) return null;
  const set = (field: string, change: Partial<LinkChoice>) =>
    onLinks({ ...links, [field]: { ...noChoice, ...links[field], ...change } });
  return (
    <Stack gap="xs" data-testid="link-choices">
      {issues.map((issue) => {
        const choice = { ...noChoice, ...links[issue.field] };
        const item = issue.moduleLabel.toLowerCase();
        return (
          <Paper withBorder p="sm" key={issue.field}>
            <Title order={6}>
              {issue.label}: names that match no record of {issue.moduleLabel}, or several
            </Title>
            {issue.missing.length > 0 && (
              <Group align="flex-end" gap="sm" mt={6}>
                <Select
                  label={`${issue.missing.length} ${issue.missing.length === 1 ? 'name matches' : 'names match'} no ${item}`}
                  description={`${issue.missing
                    .slice(0, listed)
                    .map((m) => `"${m.name}"`)
                    .join(', ')}${issue.missing.length > listed ? ', …' : ''}`}
                  w={360}
                  allowDeselect={false}
                  data-testid={`link-missing-${issue.field}`}
                  data={[
                    { value: 'fail', label: 'Fail those rows' },
                    { value: 'empty', label: `Import them without a ${issue.label.toLowerCase()}` },
                    ...(issue.canCreate ? [{ value: 'create', label: `Create the missing ${item}` }] : []),
                  ]}
                  value={choice.missing}
                  onChange={(value) => value && set(issue.field, { missing: value as LinkChoice['missing'] })}
                />
              </Group>
            )}
            {issue.ambiguous.map((name) => {
              const key = name.name.toLowerCase();
              const picked = choice.picks[key];
              return (
                <Select
                  key={key}
                  mt={6}
                  w={360}
                  label={`"${name.name}" matches ${name.candidates.length} ${item} (${name.rows} ${name.rows === 1 ? 'row' : 'rows'})`}
                  allowDeselect={false}
                  data-testid={`link-pick-${issue.field}-${key}`}
                  data={[
                    { value: ':fail', label: 'Fail those rows' },
                    { value: ':empty', label: `Import them without a ${issue.label.toLowerCase()}` },
                    ...name.candidates.map((candidate, index) => ({
                      value: candidate.id,
                      label: `${candidate.name} (${index + 1} of ${name.candidates.length})`,
                    })),
                  ]}
                  value={picked ?? `:${choice.ambiguous}`}
                  onChange={(value) => {
                    if (!value) return;
                    const picks = { ...choice.picks };
                    delete picks[key];
                    if (value.startsWith(':'))
                      set(issue.field, { picks, ambiguous: value.slice(1) as LinkChoice['ambiguous'] });
                    else set(issue.field, { picks: { ...picks, [key]: value } });
                  }}
                />
              );
            })}
          </Paper>
        );
      })}
    </Stack>
  );
}

const rowsText = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;

export function PreflightResult({
  check,
  moduleLabel,
  links,
  onLinks,
  runFlows,
}: {
  check: PreflightView;
  moduleLabel: string;
  links: LinkChoices;
  onLinks: (links: LinkChoices) => void;
  runFlows: boolean;
}) {
  const writes = [
    check.create > 0 && `${rowsText(check.create)} would be created`,
    check.update > 0 && `${rowsText(check.update)} would update a record`,
    check.skip > 0 && `${rowsText(check.skip)} would be skipped`,
  ].filter(Boolean);
  const flows = check.flows.created + (check.update > 0 ? check.flows.updated : 0);
  return (
    <Stack gap="xs" data-testid="import-preflight">
      {check.fail === 0 ? (
        <Alert color="teal" title={`All ${rowsText(check.total)} can be imported`}>
          <Text size="sm">{writes.join(', ')}.</Text>
        </Alert>
      ) : (
        <Alert
          color="orange"
          title={`${rowsText(check.fail)} of ${check.total} would fail`}
          data-testid="preflight-fail"
        >
          <Text size="sm">
            {writes.length > 0 ? `${writes.join(', ')}. ` : ''}Fix the file or the mapping and check again, or
            import anyway: the failing rows are listed afterwards.
          </Text>
        </Alert>
      )}
      {check.columns.length > 0 && (
        <Table.ScrollContainer minWidth={640}>
          <Table withTableBorder verticalSpacing={4} data-testid="preflight-columns">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Column</Table.Th>
                <Table.Th>Rows</Table.Th>
                <Table.Th>For example</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {check.columns.map((column) => (
                <Table.Tr key={column.field ?? 'row'}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {column.column ?? column.label}
                    </Text>
                    {column.column && column.column !== column.label && (
                      <Text size="xs" c="dimmed">
                        into {column.label}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{column.rows}</Table.Td>
                  <Table.Td>
                    <List size="xs" spacing={2}>
                      {column.samples.map((sample) => (
                        <List.Item key={sample.row}>
                          Row {sample.row}
                          {sample.value ? ` ("${sample.value}")` : ''}: {sample.reason}
                        </List.Item>
                      ))}
                    </List>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LinkChoicesPanel issues={check.links ?? []} links={links} onLinks={onLinks} />
      {flows > 0 && runFlows && (
        <Alert
          color="yellow"
          title={`${flows} active ${flows === 1 ? 'flow runs' : 'flows run'} for imported ${moduleLabel.toLowerCase()}`}
        >
          <Text size="sm">
            You asked for the flows to run: what they do (emails, posts, assignments) happens for every row,
            and a rollback of the import cannot undo it.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}
