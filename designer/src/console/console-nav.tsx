/** The console's menu entries: a record list per visible module, then the workspace and admin screens. */
import { NavLink } from '@mantine/core';
import type { ReactNode } from 'react';
import { can, type User } from '../api.ts';
import { linkTo } from '../app/app-link.tsx';
import { useBranding } from '../app/branding.ts';
import { usePath } from '../router.ts';
import { useModules } from './console-api.ts';

export function ConsoleNav({ user }: { user: User }) {
  const path = usePath();
  const modules = useModules() ?? [];
  const { menu } = useBranding();
  const link = (label: string, to: string) => (
    <NavLink key={to} label={label} active={path === to || path.startsWith(`${to}/`)} {...linkTo(to)} />
  );
  // The admin's order for modules: those named first, the rest as they come.
  const order = menu?.moduleOrder ?? [];
  const rank = (name: string) => (order.includes(name) ? order.indexOf(name) : order.length);
  const shown = modules
    .filter((m) => m.visible && can(user, m.name, 'view'))
    .sort((a, b) => rank(a.name) - rank(b.name));
  const entries: Record<string, ReactNode> = {
    feed: link('Activity', '/feed'),
    notifications: link('Notifications', '/notifications'),
    records: (
      <NavLink key="records" component="button" label="Records" defaultOpened={path.startsWith('/records')}>
        {shown.map((m) => link(m.label, `/records/${m.name}`))}
      </NavLink>
    ),
    lists: link('Lists', '/lists'),
    processes: link('Processes', '/processes'),
    marketing: link('Marketing', '/marketing'),
    // Importing needs the right to create in some module.
    imports:
      (user.isAdmin || modules.some((m) => can(user, m.name, 'create'))) &&
      link('Import / export', '/imports'),
  };
  const items = menu?.items ?? Object.keys(entries);
  return (
    <>
      {items.map((key) => entries[key])}
      {user.isAdmin && link('Studio', '/studio')}
      {user.isAdmin && link('Admin', '/admin')}
    </>
  );
}
