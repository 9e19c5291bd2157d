/**
 * "Who would get this record now?" (`POST /api/routing/:module/test`): a sample record, typed
 * or taken from an existing one, run through the saved routing without taking a turn.
 */
import { Alert, Button, Group, JsonInput, Paper, Select, Stack, Text, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { FromSchema } from 'json-schema-to-ts';
import { useEffect, useState } from 'react';
import type { routingDecisionResponse } from '../../../schemas/routing.ts';
import { api, type Page } from '../api.ts';
import { type RecordRow, useModule } from '../console/console-api.ts';

type Decision = FromSchema<typeof routingDecisionResponse>;

export function RoutingTest({
  module,
  names,
}: {
  module: string;
  /** User and group names by id, to say who the answer is. */
  names: Map<string, string>;
}) {
  const definition = useModule(module);
  const [search, setSearch] = useState('');
  const [q] = useDebouncedValue(search, 250);
  const [found, setFound] = useState<RecordRow[]>([]);
  const [sample, setSample] = useState('{}');
  const [answer, setAnswer] = useState<Decision | null>(null);
  const [error, setError] = useState<string | null>(null);
  const label = (record: RecordRow) =>
    (definition?.displayFields ?? [])
      .map((name) => record[name])
      .filter((value) => value !== null && value !== undefined && value !== '')
      .join(' ') || record.id;

  useEffect(() => {
    let live = true;
    const query = new URLSearchParams({ limit: '20', ...(q && { q }) });
    api<Page<RecordRow>>('GET', `/records/${module}?${query}`).then(
      (page) => live && setFound(page.items),
      () => live && setFound([]),
    );
    return () => {
      live = false;
    };
  }, [module, q]);

  const pick = (id: string | null) => {
    const record = found.find((r) => r.id === id);
    if (!record) return;
    // The record's own field values, without what routing would not look at.
    const { id: _id, createdAt, updatedAt, createdBy, updatedBy, ...values } = record;
    setSample(JSON.stringify(values, null, 2));
  };
  const test = () => {
    let record: unknown;
    try {
      record = JSON.parse(sample);
    } catch {
      setError('The sample record is not valid JSON');
      return;
    }
    setError(null);
    api<Decision>('POST', `/routing/${module}/test`, { record }).then(setAnswer, (e: Error) => {
      setAnswer(null);
      setError(e.message);
    });
  };

  return (
    <Paper withBorder p="sm">
      <Stack gap="xs">
        <Title order={5}>Who would get this record now?</Title>
        <Text size="sm" c="dimmed">
          Runs the saved routing (even when it is off) on a sample record; nobody's turn is taken. Save your
          changes first.
        </Text>
        <Select
          label="Start from a record"
          placeholder="Search records"
          searchable
          searchValue={search}
          onSearchChange={setSearch}
          data={found.map((r) => ({ value: r.id, label: label(r) }))}
          onChange={pick}
          filter={({ options }) => options}
          clearable
        />
        <JsonInput
          label="Sample record (field values)"
          autosize
          minRows={3}
          maxRows={12}
          value={sample}
          onChange={setSample}
          validationError="Not valid JSON"
        />
        <Group>
          <Button variant="light" onClick={test}>
            Who would get it?
          </Button>
        </Group>
        {error && (
          <Alert color="red" p="xs">
            {error}
          </Alert>
        )}
        {answer && (
          <Alert color={answer.assignee ? 'green' : 'gray'} p="xs" data-testid="routing-answer">
            <Text size="sm" fw={600}>
              {answer.assignee
                ? `${answer.assigneeType === 'group' ? 'Group' : 'User'}: ${names.get(answer.assignee) ?? answer.assignee}`
                : 'Nobody: it would stay unassigned'}
              {answer.ruleIndex !== null && ` (rule ${answer.ruleIndex + 1})`}
            </Text>
            <Text size="sm">{answer.reason}</Text>
          </Alert>
        )}
      </Stack>
    </Paper>
  );
}
