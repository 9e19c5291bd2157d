/**
 * The signed-in user's open tasks, soonest due first (undated last); overdue ones stand out.
 * Record writes push nothing over the live channel, so the list is read again when the page
 * comes back into view and every minute while it is visible.
 */
import { Badge, Group, Text } from '@mantine/core';
import { useState } from 'react';
import { AppLink } from '../app/app-link.tsx';
import { useCurrentUser } from '../app/current-user.ts';
import { formatDateTime } from '../app/dates.ts';
import { type RecordRow, usePaged } from '../console/console-api.ts';
import { DashboardCard, Empty } from './dashboard-card.tsx';
import { useRefreshWhileVisible } from './use-refresh.ts';

const limit = 10;

function tasksPath(userId: string) {
  const where = { and: [{ '==': [{ var: 'assignedTo' }, userId] }, { '!=': [{ var: 'complete' }, true] }] };
  return `/records/tasks?${new URLSearchParams({ where: JSON.stringify(where), sort: 'dueDate', limit: String(limit) })}`;
}

const priorityColor: Record<string, string> = { High: 'red', Medium: 'yellow', Low: 'gray' };

/** `userId`/`title`: another user's open tasks (their profile), as far as my role lets me see them. */
export function MyTasks({ userId, title }: { userId?: string; title?: string } = {}) {
  const me = useCurrentUser();
  const { items, error, hasMore, reload } = usePaged<RecordRow>(tasksPath(userId ?? me.id));
  // What is overdue is judged at the last read.
  const [now, setNow] = useState(() => new Date());
  useRefreshWhileVisible(() => {
    setNow(new Date());
    reload();
  });
  return (
    <DashboardCard
      title={title ?? 'My open tasks'}
      all={['All tasks', '/records/tasks']}
      loading={items === null}
      error={error}
      onRetry={reload}
      testId="my-tasks"
    >
      {items?.length === 0 && (
        <Empty>
          {userId && userId !== me.id ? (
            'No open tasks assigned to them that you can see.'
          ) : (
            <>
              No open tasks assigned to you. Create one from{' '}
              <AppLink to="/records/tasks/new">New task</AppLink>, or let a flow create them.
            </>
          )}
        </Empty>
      )}
      {items?.map((task) => (
        <TaskRow key={task.id} task={task} now={now} />
      ))}
      {hasMore && (
        <Text size="xs" c="dimmed">
          The {limit} due soonest; see all tasks for the rest.
        </Text>
      )}
    </DashboardCard>
  );
}

function TaskRow({ task, now }: { task: RecordRow; now: Date }) {
  const due = typeof task.dueDate === 'string' ? new Date(task.dueDate) : null;
  const overdue = due !== null && due < now;
  const priority = typeof task.priority === 'string' ? task.priority : null;
  const about =
    typeof task.associationType === 'string' && typeof task.associationId === 'string'
      ? {
          path: `/records/${task.associationType}/${task.associationId}`,
          name:
            (task._display as Record<string, unknown> | undefined)?.associationId?.toString() ??
            task.associationType,
        }
      : null;
  return (
    <div data-testid="task" data-overdue={overdue || undefined}>
      <Group gap={6} wrap="nowrap" justify="space-between" align="flex-start">
        <AppLink to={`/records/tasks/${task.id}`} style={{ minWidth: 0, overflowWrap: 'anywhere' }}>
          {String(task.subject ?? 'Untitled task')}
        </AppLink>
        {priority && (
          <Badge size="xs" variant="light" color={priorityColor[priority] ?? 'gray'}>
            {priority}
          </Badge>
        )}
      </Group>
      <Group gap={6}>
        {due === null ? (
          <Text size="xs" c="dimmed">
            No due date
          </Text>
        ) : overdue ? (
          <Text size="xs" c="red.8" fw={700}>
            Overdue: due {formatDateTime(due)}
          </Text>
        ) : (
          <Text size="xs" c="dimmed">
            Due {formatDateTime(due)}
          </Text>
        )}
        {about && (
          <Text size="xs" c="dimmed">
            on{' '}
            <AppLink to={about.path} size="xs">
              {about.name}
            </AppLink>
          </Text>
        )}
      </Group>
    </div>
  );
}
