/** The console's menu entries: a record list per visible module, then the workspace and admin screens. */
import { NavLink } from '@mantine/core';
import { can, type User } from '../api.ts';
import { linkTo } from '../app/app-link.tsx';
import { usePath } from '../router.ts';
import { useModules } from './console-api.ts';

export function ConsoleNav({ user }: { user: User }) {
  const path = usePath();
  const modules = useModules() ?? [];
  const link = (label: string, to: string) => (
    <NavLink key={to} label={label} active={path === to || path.startsWith(`${to}/`)} {...linkTo(to)} />
  );
  return (
    <>
      {link('Activity', '/feed')}
      {link('Notifications', '/notifications')}
      <NavLink component="button" label="Records" defaultOpened={path.startsWith('/records')}>
        {modules
          .filter((m) => m.visible && can(user, m.name, 'view'))
          .map((m) => link(m.label, `/records/${m.name}`))}
      </NavLink>
      {link('Lists', '/lists')}
      {link('Processes', '/processes')}
      {link('Marketing', '/marketing')}
      {(user.isAdmin || modules.some((m) => can(user, m.name, 'create'))) &&
        link('Import / export', '/imports')}
      {user.isAdmin && link('Studio', '/studio')}
      {user.isAdmin && link('Admin', '/admin')}
    </>
  );
}
