/** Administration: one tab per area, the tab in the URL (/admin/<tab>). */
import { Stack, Tabs, Title } from '@mantine/core';
import { FormsAdmin } from '../forms/forms-admin.tsx';
import { OutboundHooksAdmin } from '../hooks/outbound-hooks-admin.tsx';
import { ProcessSettings } from '../processes/process-settings.tsx';
import { navigate } from '../router.ts';
import { AuditLog, ChangelogAdmin, LoginHistory, Sessions } from './activity-admin.tsx';
import { DedupeAdmin } from './dedupe-admin.tsx';
import { EmailAdmin } from './email-admin.tsx';
import { GroupsAdmin } from './groups-admin.tsx';
import { RolesAdmin } from './roles-admin.tsx';
import { RoutingAdmin } from './routing-admin.tsx';
import { SettingsAdmin } from './settings-admin.tsx';
import { TagsAdmin } from './tags-admin.tsx';
import { TriggerLogAdmin } from './trigger-log-admin.tsx';
import { UsersAdmin } from './users-admin.tsx';

const tabs = {
  users: ['Users', UsersAdmin],
  groups: ['Groups', GroupsAdmin],
  roles: ['Roles', RolesAdmin],
  sessions: ['Sessions', Sessions],
  logins: ['Login history', LoginHistory],
  audit: ['Audit log', AuditLog],
  changelog: ['Changelog', ChangelogAdmin],
  settings: ['System settings', SettingsAdmin],
  email: ['Email', EmailAdmin],
  routing: ['Lead routing', RoutingAdmin],
  processes: ['Processes', ProcessSettings],
  forms: ['Web forms', FormsAdmin],
  hooks: ['Outbound hooks', OutboundHooksAdmin],
  // Parity
  tags: ['Tags', TagsAdmin],
  duplicates: ['Duplicates', DedupeAdmin],
  'trigger-log': ['Trigger log', TriggerLogAdmin],
} as const;

type Tab = keyof typeof tabs;

export function AdminPage({ rest }: { rest: string[] }) {
  const tab: Tab = rest[0] && rest[0] in tabs ? (rest[0] as Tab) : 'users';
  const Screen = tabs[tab][1];
  return (
    <Stack p="md" gap="sm" style={{ flex: 1, minHeight: 0, overflow: 'auto' }}>
      <Title order={3}>Administration</Title>
      <Tabs value={tab} onChange={(value) => value && navigate(`/admin/${value}`)}>
        <Tabs.List>
          {Object.entries(tabs).map(([key, [label]]) => (
            <Tabs.Tab key={key} value={key}>
              {label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
      </Tabs>
      <Screen />
    </Stack>
  );
}
