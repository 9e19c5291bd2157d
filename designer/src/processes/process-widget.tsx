/**
 * The record page's process widget: each process of the record's module with every stage's
 * state, who completed it and when, and the buttons the rules allow — start, complete (with
 * a comment and, optionally, an earlier date), revert. The server decides; a refusal is
 * shown in words.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { done } from '../console/console-api.ts';
import { type Progress, refusalText, type StageProgress, useGet } from './processes-api.ts';

const statusLabel = { notStarted: 'Not started', started: 'In progress', completed: 'Completed' } as const;
const statusColor = { notStarted: 'gray', started: 'blue', completed: 'green' } as const;

export function ProcessWidget({ module, id }: { module: string; id: string }) {
  const { data, error, reload } = useGet<{ items: Progress[] }>(`/records/${module}/${id}/processes`);
  useLive('process.progress', (push) => {
    if (push.data?.recordId === id) reload();
  });
  if (error) return <Alert color="red">{error}</Alert>;
  if (!data) return <Loader size="sm" />;
  if (data.items.length === 0) return null;
  return (
    <Stack gap="xs" data-testid="process-widget">
      {data.items.map((progress) => (
        <ProcessCard key={progress.processId} module={module} id={id} progress={progress} onChange={reload} />
      ))}
    </Stack>
  );
}

function ProcessCard({
  module,
  id,
  progress,
  onChange,
}: {
  module: string;
  id: string;
  progress: Progress;
  onChange: () => void;
}) {
  const [refusal, setRefusal] = useState<string | null>(null);
  const [completing, setCompleting] = useState<StageProgress | null>(null);
  const act = async (body: Record<string, unknown>) => {
    try {
      await api('POST', `/processes/${progress.processId}/records/${id}/stages`, { module, ...body });
      setRefusal(null);
      done('Process updated');
      onChange();
      return true;
    } catch (e) {
      setRefusal(refusalText(e));
      return false;
    }
  };
  const nothingStarted = progress.stages.every((stage) => stage.status === 'notStarted');
  return (
    <Card withBorder padding="sm">
      <Group justify="space-between" mb={6}>
        <Title order={6}>{progress.processName}</Title>
        {progress.completed && <Badge color="green">Done</Badge>}
      </Group>
      {refusal && (
        <Alert color="red" mb="xs" role="alert" withCloseButton onClose={() => setRefusal(null)}>
          {refusal}
        </Alert>
      )}
      <Stack gap={6}>
        {progress.stages.map((stage, index) => (
          <Group
            key={stage.id}
            justify="space-between"
            wrap="nowrap"
            gap="xs"
            data-testid={`stage-${stage.name}`}
          >
            <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
              <Group gap={6}>
                <Text size="sm" fw={500}>
                  {stage.name}
                </Text>
                <Badge size="xs" color={statusColor[stage.status]} variant="light">
                  {statusLabel[stage.status]}
                </Badge>
              </Group>
              {stage.status === 'completed' && (
                <Text size="xs" c="dimmed">
                  {stage.completedByName ?? 'Someone'} ·{' '}
                  {stage.completedAt ? formatDateTime(stage.completedAt) : ''}
                  {stage.comment ? ` · “${stage.comment}”` : ''}
                </Text>
              )}
            </Stack>
            <Group gap={4} wrap="nowrap">
              {stage.status === 'notStarted' && (nothingStarted ? index === 0 : true) && (
                <Button
                  size="compact-xs"
                  variant="light"
                  onClick={() => act({ action: 'start', stageId: stage.id })}
                >
                  Start
                </Button>
              )}
              {stage.status === 'started' && (
                <Button size="compact-xs" onClick={() => setCompleting(stage)}>
                  Complete
                </Button>
              )}
              {stage.status !== 'notStarted' && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  color="red"
                  onClick={() => act({ action: 'revert', stageId: stage.id })}
                >
                  Revert
                </Button>
              )}
            </Group>
          </Group>
        ))}
      </Stack>
      <CompleteModal
        stage={completing}
        onClose={() => setCompleting(null)}
        onConfirm={async (comment, date) => {
          if (!completing) return;
          const ok = await act({
            action: 'complete',
            stageId: completing.id,
            ...(comment ? { comment } : {}),
            ...(date ? { completedAt: new Date(date).toISOString() } : {}),
          });
          if (ok) setCompleting(null);
        }}
      />
    </Card>
  );
}

function CompleteModal({
  stage,
  onClose,
  onConfirm,
}: {
  stage: StageProgress | null;
  onClose: () => void;
  onConfirm: (comment: string, date: string) => void;
}) {
  const [comment, setComment] = useState('');
  const [date, setDate] = useState('');
  if (!stage) return null;
  return (
    <Modal opened onClose={onClose} title={`Complete “${stage.name}”`}>
      <Stack>
        <Textarea
          label={stage.requireComment ? 'Comment (required)' : 'Comment'}
          value={comment}
          onChange={(e) => setComment(e.currentTarget.value)}
          autosize
          minRows={2}
        />
        <TextInput
          label="Completed on (leave empty for now)"
          type="datetime-local"
          value={date}
          onChange={(e) => setDate(e.currentTarget.value)}
        />
        <Group justify="end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={stage.requireComment === true && comment.trim() === ''}
            onClick={() => onConfirm(comment, date)}
          >
            Complete
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
