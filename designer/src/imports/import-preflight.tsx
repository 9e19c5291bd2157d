/** What the pre-flight check found: counts, each column's problems with sample rows, flows that would run. */
import { Alert, List, Stack, Table, Text } from '@mantine/core';

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
}

const rowsText = (n: number) => `${n} ${n === 1 ? 'row' : 'rows'}`;

export function PreflightResult({ check, moduleLabel }: { check: PreflightView; moduleLabel: string }) {
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
      {flows > 0 && (
        <Alert
          color="yellow"
          title={`${flows} active ${flows === 1 ? 'flow runs' : 'flows run'} for imported ${moduleLabel.toLowerCase()}`}
        >
          <Text size="sm">
            Like records created by hand, imported records start the active flows on them: what those flows do
            (emails, posts, assignments) happens for every row, and a rollback of the import cannot undo it.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}
