/**
 * The record page's process widget: each process of the record's module with every stage's
 * state, who completed it and when, and the buttons the rules allow — start, complete (with
 * a comment and, optionally, an earlier date and who completed it), revert, and for a
 * completed stage "Change" (re-date it, change who completed it or the comment) while the
 * backdate window allows. Who completed it is offered only when the settings let the user
 * name someone else. The server decides; a refusal is shown in words.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  Select,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { formatDateTime } from '../app/dates.ts';
import { useLive } from '../app/live.ts';
import { done } from '../console/console-api.ts';
import { peopleOptions, type RefOption } from '../flows/reference-options.ts';
import { dateHint, editRefusal, localInput, mayReassign, type ProgressRules } from './completion-rules.ts';
import { type Progress, refusalText, type StageProgress, useGet } from './processes-api.ts';

const statusLabel = { notStarted: 'Not started', started: 'In progress', completed: 'Completed' } as const;
const statusColor = { notStarted: 'gray', started: 'blue', completed: 'green' } as const;

export function ProcessWidget({ module, id }: { module: string; id: string }) {
  const { data, error, reload } = useGet<{ items: Progress[]; rules?: ProgressRules }>(
    `/records/${module}/${id}/processes`,
  );
  useLive('process.progress', (push) => {
    if (push.data?.recordId === id) reload();
  });
  if (error) return <Alert color="red">{error}</Alert>;
  if (!data) return <Loader size="sm" />;
  if (data.items.length === 0) return null;
  return (
    <Stack gap="xs" data-testid="process-widget">
      {data.items.map((progress) => (
        <ProcessCard
          key={progress.processId}
          module={module}
          id={id}
          progress={progress}
          rules={data.rules ?? strictest}
          onChange={reload}
        />
      ))}
    </Stack>
  );
}

/** Without rules from the server, offer nothing the settings might forbid. */
const strictest: ProgressRules = {
  backdateWindowSeconds: 0,
  backdateRangeSeconds: 0,
  allowReassign: false,
  admin: false,
};

function ProcessCard({
  module,
  id,
  progress,
  rules,
  onChange,
}: {
  module: string;
  id: string;
  progress: Progress;
  rules: ProgressRules;
  onChange: () => void;
}) {
  const [refusal, setRefusal] = useState<string | null>(null);
  const [completing, setCompleting] = useState<StageProgress | null>(null);
  const [editing, setEditing] = useState<StageProgress | null>(null);
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
      {refusal && !completing && !editing && (
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
              {stage.status === 'completed' && editRefusal(rules, stage.completedAt, Date.now()) === null && (
                <Button
                  size="compact-xs"
                  variant="subtle"
                  aria-label={`Change “${stage.name}”`}
                  onClick={() => {
                    setRefusal(null);
                    setEditing(stage);
                  }}
                >
                  Change
                </Button>
              )}
              {/* A completed stage past the backdate window cannot be reverted either. */}
              {stage.status !== 'notStarted' &&
                (stage.status === 'started' ||
                  editRefusal(rules, stage.completedAt, Date.now()) === null) && (
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
      {completing && (
        <CompletionModal
          key={`complete-${completing.id}`}
          title={`Complete “${completing.name}”`}
          confirm="Complete"
          stage={completing}
          rules={rules}
          refusal={refusal}
          onClose={() => {
            setCompleting(null);
            setRefusal(null);
          }}
          onConfirm={async ({ comment, date, by }) => {
            const ok = await act({
              action: 'complete',
              stageId: completing.id,
              ...(comment ? { comment } : {}),
              ...(date ? { completedAt: new Date(date).toISOString() } : {}),
              ...(by ? { completedBy: by } : {}),
            });
            if (ok) setCompleting(null);
          }}
        />
      )}
      {editing && (
        <CompletionModal
          key={`edit-${editing.id}`}
          title={`Change “${editing.name}”`}
          confirm="Save"
          stage={editing}
          rules={rules}
          refusal={refusal}
          initial={{
            comment: editing.comment ?? '',
            date: localInput(editing.completedAt),
            by: editing.completedBy ?? '',
          }}
          onClose={() => {
            setEditing(null);
            setRefusal(null);
          }}
          onConfirm={async ({ comment, date, by }) => {
            const ok = await act({
              action: 'edit',
              stageId: editing.id,
              comment: comment || null,
              ...(date && date !== localInput(editing.completedAt)
                ? { completedAt: new Date(date).toISOString() }
                : {}),
              ...(by && by !== editing.completedBy ? { completedBy: by } : {}),
            });
            if (ok) setEditing(null);
          }}
        />
      )}
    </Card>
  );
}

interface Completion {
  comment: string;
  /** `datetime-local` text; empty: now (or, when changing, as it was). */
  date: string;
  /** A user id; empty: the signed-in user (or, when changing, as it was). */
  by: string;
}

/** The users a completion may name, by name (loaded when the field shows). */
function usePeople(wanted: boolean): Pick<RefOption, 'value' | 'label'>[] {
  const [users, setUsers] = useState<Pick<RefOption, 'value' | 'label'>[]>([]);
  useEffect(() => {
    if (!wanted) return;
    let live = true;
    peopleOptions().then(
      // Without their `group`: a Select reads an option with one as a group of options.
      (options) => live && setUsers(options.users.map(({ value, label }) => ({ value, label }))),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [wanted]);
  return users;
}

function CompletionModal({
  title,
  confirm,
  stage,
  rules,
  refusal,
  initial,
  onClose,
  onConfirm,
}: {
  title: string;
  confirm: string;
  stage: StageProgress;
  rules: ProgressRules;
  refusal: string | null;
  initial?: Completion;
  onClose: () => void;
  onConfirm: (completion: Completion) => void;
}) {
  const [value, setValue] = useState<Completion>(initial ?? { comment: '', date: '', by: '' });
  const reassign = mayReassign(rules);
  const people = usePeople(reassign);
  const byOptions =
    value.by && !people.some((person) => person.value === value.by)
      ? [...people, { value: value.by, label: stage.completedByName ?? 'Someone' }]
      : people;
  return (
    <Modal opened onClose={onClose} title={title}>
      <Stack>
        {refusal && (
          <Alert color="red" role="alert">
            {refusal}
          </Alert>
        )}
        <Textarea
          label={stage.requireComment ? 'Comment (required)' : 'Comment'}
          value={value.comment}
          onChange={(e) => setValue({ ...value, comment: e.currentTarget.value })}
          autosize
          minRows={2}
        />
        <TextInput
          label={initial ? 'Completed on' : 'Completed on (leave empty for now)'}
          description={dateHint(rules)}
          type="datetime-local"
          value={value.date}
          onChange={(e) => setValue({ ...value, date: e.currentTarget.value })}
        />
        {reassign ? (
          <Select
            label="Completed by"
            placeholder={initial ? undefined : 'You'}
            searchable
            clearable={!initial}
            data={byOptions}
            value={value.by || null}
            onChange={(by) => setValue({ ...value, by: by ?? '' })}
            comboboxProps={{ withinPortal: false }}
          />
        ) : (
          <Text size="xs" c="dimmed">
            {initial
              ? `Completed by ${stage.completedByName ?? 'someone'}: the settings do not let you name someone else.`
              : 'Completed by you: the settings do not let you name someone else.'}
          </Text>
        )}
        <Group justify="end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button
            disabled={stage.requireComment === true && value.comment.trim() === ''}
            onClick={() => onConfirm(value)}
          >
            {confirm}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
