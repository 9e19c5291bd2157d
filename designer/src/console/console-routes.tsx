/** The workspace and admin console's screens, by path (the app's router hands these paths over). */
import { Alert, Loader } from '@mantine/core';
import { lazy, Suspense } from 'react';
import type { User } from '../api.ts';
import { RecordForm } from '../records/record-form.tsx';
import { RecordList } from '../records/record-list.tsx';
import { RecordPage } from '../records/record-page.tsx';
import { useModules } from './console-api.ts';

const screens: Record<string, React.LazyExoticComponent<(props: { rest: string[] }) => React.ReactNode>> = {
  admin: lazy(() => import('../admin/admin-page.tsx').then((m) => ({ default: m.AdminPage }))),
  studio: lazy(() => import('../studio/studio-page.tsx').then((m) => ({ default: m.StudioPage }))),
  feed: lazy(() => import('../feed/feed-page.tsx').then((m) => ({ default: m.FeedPage }))),
  notifications: lazy(() =>
    import('../feed/notifications-page.tsx').then((m) => ({ default: m.NotificationsPage })),
  ),
  lists: lazy(() => import('../lists/lists-page.tsx').then((m) => ({ default: m.ListsPage }))),
  imports: lazy(() => import('../imports/imports-page.tsx').then((m) => ({ default: m.ImportsPage }))),
  processes: lazy(() =>
    import('../processes/processes-page.tsx').then((m) => ({ default: m.ProcessesPage })),
  ),
  marketing: lazy(() =>
    import('../marketing/marketing-page.tsx').then((m) => ({ default: m.MarketingPage })),
  ),
};

export function Console({ path, user }: { path: string; user: User }) {
  const [area = '', ...rest] = path.split('/').filter(Boolean);
  if (area === 'records') return <Records rest={rest} isAdmin={user.isAdmin} />;
  const Screen = screens[area];
  if (!Screen) return <Alert m="md">Nothing here.</Alert>;
  return (
    <Suspense fallback={<Loader m="md" />}>
      <Screen rest={rest} />
    </Suspense>
  );
}

function Records({ rest, isAdmin }: { rest: string[]; isAdmin: boolean }) {
  const modules = useModules();
  const [name = 'contacts', id, action] = rest;
  if (!modules) return <Loader m="md" />;
  const module = modules.find((m) => m.name === name);
  if (!module)
    return (
      <Alert m="md" color="red" title={`No module named “${name}”`}>
        Pick a module from the menu, or create it in Studio.
      </Alert>
    );
  if (id === 'new') return <RecordForm key={`new-${name}`} module={module} />;
  if (id && action === 'edit') return <RecordForm key={`edit-${id}`} module={module} id={id} />;
  if (id) return <RecordPage key={id} module={module} id={id} showRuns={isAdmin} />;
  return <RecordList key={name} module={module} canRunFlows={isAdmin} />;
}
