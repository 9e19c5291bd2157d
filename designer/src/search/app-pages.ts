/** The app's pages as search finds them, each with who may open it. */
export interface AppPage {
  title: string;
  path: string;
  /** Words it is also found by. */
  keywords?: string;
  admin?: boolean;
}

export const appPages: AppPage[] = [
  { title: 'Home', path: '/', keywords: 'dashboard tasks' },
  { title: 'Activity feed', path: '/feed', keywords: 'posts' },
  { title: 'Notifications', path: '/notifications' },
  { title: 'Lists', path: '/lists', keywords: 'static dynamic' },
  { title: 'Import / export', path: '/imports', keywords: 'csv upload download' },
  { title: 'My profile', path: '/profile' },
  { title: 'Preferences', path: '/profile/preferences', keywords: 'time zone date format' },
  { title: 'Flows', path: '/flows', keywords: 'workflows automation', admin: true },
  { title: 'Flow runs', path: '/runs', keywords: 'executions failed runs', admin: true },
  { title: 'Studio: modules and fields', path: '/studio', keywords: 'layouts dropdowns', admin: true },
  { title: 'Admin: users', path: '/admin/users', keywords: 'invite', admin: true },
  { title: 'Admin: groups', path: '/admin/groups', admin: true },
  { title: 'Admin: roles', path: '/admin/roles', keywords: 'permissions', admin: true },
  { title: 'Admin: sessions', path: '/admin/sessions', admin: true },
  { title: 'Admin: login history', path: '/admin/logins', admin: true },
  { title: 'Admin: audit log', path: '/admin/audit', admin: true },
  { title: 'Admin: changelog', path: '/admin/changelog', admin: true },
  { title: 'Admin: system settings', path: '/admin/settings', admin: true },
  { title: 'Admin: email', path: '/admin/email', keywords: 'smtp outbox', admin: true },
  { title: 'Admin: lead routing', path: '/admin/routing', keywords: 'round robin', admin: true },
];

export function matchingPages(query: string, isAdmin: boolean): AppPage[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return appPages.filter(
    (page) =>
      (isAdmin || !page.admin) &&
      words.every((word) => `${page.title} ${page.keywords ?? ''}`.toLowerCase().includes(word)),
  );
}
