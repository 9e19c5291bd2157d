/** Users, groups and roles as the admin screens read them. */
import { useEffect, useState } from 'react';
import { api, type Page } from '../api.ts';
import { fail } from '../console/console-api.ts';

export interface AdminUser {
  id: string;
  username: string;
  firstName: string;
  lastName: string;
  email: string | null;
  title: string | null;
  phone: string | null;
  active: boolean;
  available: boolean;
  isAdmin: boolean;
  roleIds: string[];
  groupIds: string[];
  lastLoginAt: string | null;
  /** invited: has not accepted the emailed invitation yet. */
  status: 'active' | 'inactive' | 'invited';
  invitationExpiresAt: string | null;
}

export interface Group {
  id: string;
  name: string;
  description: string | null;
  memberIds: string[];
}

export type Scope = 'none' | 'own' | 'groups' | 'all';
export type Permissions = Record<string, Partial<Record<'view' | 'create' | 'update' | 'delete', Scope>>>;

export interface Role {
  id: string;
  name: string;
  description: string | null;
  isAdmin: boolean;
  permissions: Permissions;
  userCount: number;
}

/** Every item of a small admin list (users, groups, roles: hundreds at most), with a reload. */
export function useAll<T>(path: string): [T[] | null, () => void] {
  const [items, setItems] = useState<T[] | null>(null);
  const [version, setVersion] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: version forces a reload
  useEffect(() => {
    api<Page<T>>('GET', `${path}${path.includes('?') ? '&' : '?'}limit=200`).then(
      (page) => setItems(page.items),
      fail,
    );
  }, [path, version]);
  return [items, () => setVersion((v) => v + 1)];
}

export const fullName = (user: AdminUser) => `${user.firstName} ${user.lastName}`.trim() || user.username;
