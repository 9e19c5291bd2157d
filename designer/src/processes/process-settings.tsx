/**
 * Administration → Processes: the backdate window (how long after completion a user may
 * revert a stage or change its date), the backdate range (how far back a completion may be
 * dated) and whether users may name someone else as who completed a stage.
 */
import { Alert, Button, Checkbox, Loader, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { done } from '../console/console-api.ts';

interface ProcessSettingsValues {
  processBackdateWindowSeconds: number | null;
  processBackdateRangeSeconds: number | null;
  processAllowReassign: boolean;
}

const day = 86_400;
const choices = [
  { value: '0', label: 'Never' },
  { value: String(3600), label: '1 hour' },
  { value: String(day), label: '1 day' },
  { value: String(7 * day), label: '1 week' },
  { value: String(30 * day), label: '1 month' },
  { value: String(90 * day), label: '3 months' },
  { value: String(365 * day), label: '1 year' },
  { value: 'unlimited', label: 'Unlimited' },
];
const toChoice = (value: number | null) => (value === null ? 'unlimited' : String(value));
const fromChoice = (value: string | null) => (value === null || value === 'unlimited' ? null : Number(value));

export function ProcessSettings() {
  const [values, setValues] = useState<ProcessSettingsValues | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<ProcessSettingsValues>('GET', '/settings').then(setValues, (e: Error) => setError(e.message));
  }, []);
  if (error) return <Alert color="red">{error}</Alert>;
  if (!values) return <Loader />;
  const data = (value: number | null) =>
    choices.some((choice) => choice.value === toChoice(value))
      ? choices
      : [...choices, { value: toChoice(value), label: `${value} seconds` }];
  const save = async () => {
    try {
      const saved = await api<ProcessSettingsValues>('PATCH', '/settings', {
        processBackdateWindowSeconds: values.processBackdateWindowSeconds,
        processBackdateRangeSeconds: values.processBackdateRangeSeconds,
        processAllowReassign: values.processAllowReassign,
      });
      setValues(saved);
      setError(null);
      done('Process settings saved');
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <Stack gap="sm" maw={520}>
      <Text size="sm" c="dimmed">
        Administrators are never held back by these; they apply to everyone else.
      </Text>
      <Select
        label="Backdate window"
        description="How long after a stage is completed a user may still revert it or change its date"
        data={data(values.processBackdateWindowSeconds)}
        value={toChoice(values.processBackdateWindowSeconds)}
        onChange={(value) => setValues({ ...values, processBackdateWindowSeconds: fromChoice(value) })}
      />
      <Select
        label="Backdate range"
        description="How far back a user may date the completion of a stage"
        data={data(values.processBackdateRangeSeconds)}
        value={toChoice(values.processBackdateRangeSeconds)}
        onChange={(value) => setValues({ ...values, processBackdateRangeSeconds: fromChoice(value) })}
      />
      <Checkbox
        label="Users may change who completed a stage"
        checked={values.processAllowReassign}
        onChange={(e) => setValues({ ...values, processAllowReassign: e.currentTarget.checked })}
      />
      <Button onClick={save} w="fit-content">
        Save process settings
      </Button>
    </Stack>
  );
}
